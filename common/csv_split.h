// csv_split: where a CSV file can be cut in two at a record boundary, so that two threads can
// read its parts at once (records::CsvSplit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace synthmod::csv {

/// A record boundary: its byte offset and the 1-based line that starts there.
struct Split {
    std::uint64_t offset = 0;
    std::size_t line = 0;
};

/// The first record boundary at or after byte `middle` of the CSV file `path`: just past the
/// first LF at or after `middle` with an even number of quotes before it (outside every quoted
/// field, in a file that is valid up to there: the reader of the first part reports any error
/// before the boundary), and its line (the LFs before it, plus one). nullopt when there is none,
/// or when a CR not followed by an LF comes before it (csv::Reader counts a lone CR as a line
/// end outside quoted fields only: such a file is read in one part). Throws IoError.
std::optional<Split> find_split(const std::string& path, std::uint64_t middle);

}  // namespace synthmod::csv
