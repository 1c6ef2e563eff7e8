// patch: a text stored as the few edits that rebuild it from a near copy of itself.
//
// stats keeps every row's normalised text for the duplicate search and the metrics, and needs the
// raw text only to write the output rows and quote examples. The two differ in a few places per
// post (a capital letter, punctuation, doubled spaces), so the raw text is kept as edits against
// the normalised one: ~10 bytes a post instead of a second copy (~350 MB at a million rows).
//
// A general delta compressor (zstd with the normalised text as its prefix) would do the same, but
// adds a dependency, a frame header per row and more CPU per row than these three operations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace synthmod::patch {

/// Appends to `out` the edits that rebuild `raw` from `base`: runs copied from `base` (as they are
/// or with ASCII letters upper-cased), runs of `base` skipped and bytes of `raw` inserted, each a
/// varint (length << 2 | kind), an insert followed by its bytes. Exact for any two byte strings;
/// when they share little the edits are one insert of all of `raw` (at most a few bytes more than
/// `raw`).
void encode(std::string_view raw, std::string_view base, std::vector<char>& out);

/// Rebuilds the text `encode` was given from its edits and the same `base`, into `out`.
void decode(std::string_view edits, std::string_view base, std::string& out);

}  // namespace synthmod::patch
