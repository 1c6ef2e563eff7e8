// fuzz_csv: csv::read_table on arbitrary bytes must either return a table or throw InputError;
// a table it returns must survive Writer -> Reader unchanged, and every field (valid UTF-8 by
// then) must go through text::normalize/trim/words without fault and give valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "common/csv.h"
#include "common/errors.h"
#include "common/text.h"

namespace csv = synthmod::csv;
namespace text = synthmod::text;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    csv::Table table;
    try {
        std::istringstream in(input);
        table = csv::read_table(in, "fuzz.csv");
    } catch (const synthmod::InputError&) {
        return 0;
    }
    std::ostringstream out;
    csv::Writer writer(out);
    writer.write_row(table.header);
    for (const auto& row : table.rows) writer.write_row(row);
    std::istringstream back(out.str());
    const auto again = csv::read_table(back, "again.csv");
    // A header made of one empty field is written as "" and reads back the same; anything else
    // must round-trip exactly.
    if (again.header != table.header || again.rows != table.rows) std::abort();
    for (const auto& row : table.rows) {
        for (const auto& field : row) {
            const std::string norm = text::normalize(field);
            if (!text::is_valid_utf8(norm)) std::abort();
            if (!text::is_valid_utf8(text::trim(field))) std::abort();
            for (auto word : text::words(field)) {
                if (word.empty()) std::abort();
            }
        }
    }
    return 0;
}
