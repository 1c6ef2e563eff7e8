// text: UTF-8 validation and the duplicate-detection normalisation of DESIGN section 9 (utf8proc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace synthmod::text {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
/// On failure `*bad_offset` (if given) receives the byte offset of the first bad sequence.
bool is_valid_utf8(std::string_view s, std::size_t* bad_offset = nullptr);

/// DESIGN section 9: NFKC + full case folding, delete every code point of category P*, collapse
/// runs of Unicode whitespace to one space, trim. Matches near_dup_truth.py's normalise().
/// Input must be valid UTF-8.
std::string normalize(std::string_view s);
/// normalize(s) into `out` (replacing its content; its capacity is reused across calls).
void normalize(std::string_view s, std::string& out);

/// Trim-only form used for the raw exact-duplicate figure (Python's str.strip()).
std::string trim(std::string_view s);
/// trim(s) as a view into `s`.
std::string_view trim_view(std::string_view s);

/// Decodes valid UTF-8 to code points.
std::vector<char32_t> code_points(std::string_view s);

/// Words split on Unicode whitespace (for distinct-n and lengths).
std::vector<std::string_view> words(std::string_view s);

}  // namespace synthmod::text
