#include "common/input_cli.h"

#include <CLI/CLI.hpp>

#include "common/errors.h"

namespace synthmod::input {

void add_flags(CLI::App& app, Flags& flags, bool format_alias) {
    app.add_option("--text-column", flags.text_column,
                   "the column holding the text (default content, or the spec's [input])");
    app.add_option("--label-column", flags.label_column,
                   "the column holding the label (default label, or the spec's [input])");
    app.add_option("--label-map", flags.label_map,
                   "TOML file mapping the file's label values to the spec's labels, one "
                   "value = \"label\" per line (e.g. 0 = \"Safe\")");
    app.add_option("--columns", flags.columns,
                   "the file has no header row: its columns, comma-separated (e.g. label,content)");
    app.add_option(format_alias ? "--in-format,--format" : "--in-format", flags.format,
                   "input format: csv, tsv, jsonl (default: by extension; .gz is read as well)")
        ->check(CLI::IsMember({"auto", "csv", "tsv", "jsonl"}));
}

records::Mapping mapping(const Flags& flags, const spec::Spec* spec) {
    records::Mapping m;
    if (spec != nullptr) {
        m.text_column = spec->input.text_column;
        m.label_column = spec->input.label_column;
        m.columns = spec->input.columns;
        m.format = records::parse_format(spec->input.format);
        m.label_map = spec->input.label_map;
        if (!m.label_map.empty()) m.label_map_source = spec->file + " [input.label_map]";
    }
    if (!flags.text_column.empty()) m.text_column = flags.text_column;
    if (!flags.label_column.empty()) m.label_column = flags.label_column;
    if (!flags.format.empty()) m.format = records::parse_format(flags.format);
    if (!flags.columns.empty()) {
        m.columns.clear();
        std::size_t from = 0;
        for (;;) {
            const std::size_t comma = flags.columns.find(',', from);
            m.columns.push_back(flags.columns.substr(from, comma == std::string::npos
                                                               ? std::string::npos
                                                               : comma - from));
            if (m.columns.back().empty())
                throw UsageError("--columns: an empty column name in \"" + flags.columns + "\"");
            if (comma == std::string::npos) break;
            from = comma + 1;
        }
    }
    if (!flags.label_map.empty()) {
        m.label_map = records::read_label_map(flags.label_map);
        m.label_map_source = flags.label_map;
        if (spec != nullptr)
            for (const auto& [value, label] : m.label_map)
                if (spec->label_index(label) < 0)
                    throw InputError(flags.label_map + ": " + value + " = \"" + label +
                                     "\": not a label of " + spec->file);
    }
    m.allow_unknown = flags.allow_unknown;
    return m;
}

}  // namespace synthmod::input
