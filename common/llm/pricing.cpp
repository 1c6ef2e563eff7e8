#include "common/llm/pricing.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/errors.h"
#include "common/llm/pricing_data.h"  // generated from data/pricing.toml (common/llm/CMakeLists.txt)

namespace synthmod::pricing {

namespace {

std::size_t line_of(const toml::node& node) { return node.source().begin.line; }

/// Parses the table format of data/pricing.toml; errors name `source` and the line.
std::vector<std::pair<std::string, Price>> parse(std::string_view text, const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        throw InputError(source, e.source().begin.line, std::string(e.description()));
    }
    for (const auto& [key, node] : root)
        if (key.str() != "models")
            throw InputError(
                source, line_of(node),
                "unknown key '" + std::string(key.str()) + "' (expected [models.\"<model id>\"])");
    const toml::table* models = root["models"].as_table();
    if (!models || models->empty())
        throw InputError(source, 0, "no [models.\"<model id>\"] tables");
    std::vector<std::pair<std::string, Price>> entries;
    for (const auto& [id, node] : *models) {
        const toml::table* t = node.as_table();
        std::string name(id.str());
        if (!t) throw InputError(source, line_of(node), "models." + name + " must be a table");
        Price p;
        bool has_input = false, has_output = false, has_write = false, has_read = false;
        for (const auto& [k, v] : *t) {
            std::string field(k.str());
            std::optional<double> value = v.value<double>();
            if (!value)
                throw InputError(source, line_of(v),
                                 "models." + name + "." + field + " must be a number");
            if (*value < 0)
                throw InputError(source, line_of(v),
                                 "models." + name + "." + field + " must not be negative");
            if (field == "input")
                p.input = *value, has_input = true;
            else if (field == "output")
                p.output = *value, has_output = true;
            else if (field == "cache_write")
                p.cache_write = *value, has_write = true;
            else if (field == "cache_read")
                p.cache_read = *value, has_read = true;
            else if (field == "min_cache_tokens")
                p.min_cache_tokens = static_cast<std::int64_t>(*value);
            else
                throw InputError(source, line_of(v),
                                 "unknown key models." + name + "." + field +
                                     " (input, output, cache_write, cache_read, min_cache_tokens)");
        }
        if (!has_input || !has_output)
            throw InputError(source, line_of(node),
                             "models." + name + " needs both input and output prices");
        if (!has_write) p.cache_write = p.input * 1.25;  // Anthropic's multipliers
        if (!has_read) p.cache_read = p.input * 0.1;
        entries.emplace_back(name, p);
    }
    return entries;
}

}  // namespace

Table Table::builtin() {
    Table t;
    t.entries_ = parse(kBuiltinPricingToml, "data/pricing.toml (built in)");
    return t;
}

Table Table::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path + ": cannot open the price table");
    std::ostringstream ss;
    ss << in.rdbuf();
    Table t;
    t.entries_ = parse(ss.str(), path);
    return t;
}

std::optional<Price> Table::find(const std::string& model) const {
    const std::pair<std::string, Price>* best = nullptr;
    for (const auto& entry : entries_) {
        const std::string& id = entry.first;
        if (id == model) return entry.second;
        // A dated or suffixed id: the listed id, then "-" (claude-haiku-4-5-20251001).
        if (model.size() > id.size() && model.compare(0, id.size(), id) == 0 &&
            model[id.size()] == '-' && (!best || id.size() > best->first.size()))
            best = &entry;
    }
    if (best) return best->second;
    return std::nullopt;
}

std::string cost_cell(double usd, bool known) {
    if (!known) return "";
    // printf's %.9g, which std::to_chars (general, precision 9) is defined to write, without
    // snprintf's format parsing and locale (one cell per row).
    char buf[48];
    const auto done = std::to_chars(buf, buf + sizeof buf, usd, std::chars_format::general, 9);
    return std::string(buf, done.ptr);
}

double cost(const Price& price, const llm::Usage& usage, bool batch) {
    double usd = (static_cast<double>(usage.input_tokens) * price.input +
                  static_cast<double>(usage.output_tokens) * price.output +
                  static_cast<double>(usage.cache_creation_input_tokens) * price.cache_write +
                  static_cast<double>(usage.cache_read_input_tokens) * price.cache_read) /
                 1e6;
    return batch ? usd * 0.5 : usd;
}

}  // namespace synthmod::pricing
