// personas: loads the persona file a spec points at (PersonaHub JSONL, CSV, or one per line).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace synthmod::generator {

/// The personas of a file, in file order, blank and duplicate entries dropped.
struct PersonaSet {
    std::vector<std::string> personas;
    std::size_t blank = 0;       ///< entries dropped because empty after trimming
    std::size_t duplicates = 0;  ///< entries dropped because an earlier one had the same text
};

/// Loads `path` by its extension: `.jsonl`/`.json` → one JSON object per line with string field
/// `field` (PersonaHub's `{"persona": ...}`); `.csv` → column `field`; anything else → one
/// persona per line. Bad JSON, a missing field or invalid UTF-8 throws
/// InputError("file:line: ..."); no persona at all throws InputError("file: no personas").
PersonaSet load_personas(const std::string& path, const std::string& field = "persona");

}  // namespace synthmod::generator
