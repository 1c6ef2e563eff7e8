// input_cli: the flags the judge and stats share for reading a labelled dataset as it comes
// (issue 17): which column is the text and which the label, a label map, header-less columns
// and the input format; with the spec's [input] table as their defaults.
#pragma once

#include <string>

#include "common/records.h"
#include "common/spec.h"

namespace CLI {
class App;
}

namespace synthmod::input {

struct Flags {
    std::string text_column;   ///< --text-column; empty = the spec's, else "content"
    std::string label_column;  ///< --label-column; empty = the spec's, else "label"
    std::string label_map;     ///< --label-map F (TOML value = "label")
    std::string columns;       ///< --columns a,b for header-less files
    std::string format;        ///< --in-format auto|csv|tsv|jsonl
    bool allow_unknown = false;
};

/// Declares --text-column, --label-column, --label-map, --columns and --in-format (also named
/// --format when `format_alias`, for stats, which writes no other format).
void add_flags(CLI::App& app, Flags& flags, bool format_alias);

/// The mapping: the spec's [input] (when `spec`), overridden by the flags. A --label-map file
/// whose labels the spec does not define is refused (`file:line`).
records::Mapping mapping(const Flags& flags, const spec::Spec* spec);

}  // namespace synthmod::input
