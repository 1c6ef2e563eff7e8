#include "generator/personas.h"

#include <fstream>
#include <set>

#include "common/csv.h"
#include "common/errors.h"
#include "common/jsonl.h"
#include "common/text.h"

namespace synthmod::generator {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
        char c = s[s.size() - suffix.size() + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

/// Collects personas, dropping blanks and repeats.
class Collector {
   public:
    explicit Collector(PersonaSet& set) : set_(set) {}
    void add(const std::string& raw) {
        std::string persona = text::trim(raw);
        if (persona.empty()) {
            ++set_.blank;
        } else if (!seen_.insert(persona).second) {
            ++set_.duplicates;
        } else {
            set_.personas.push_back(std::move(persona));
        }
    }

   private:
    PersonaSet& set_;
    std::set<std::string> seen_;
};

void load_jsonl(const std::string& path, const std::string& field, Collector& out) {
    jsonl::for_each(path, [&](const rapidjson::Document& doc, std::size_t line) {
        if (!doc.IsObject()) throw InputError(path, line, "expected a JSON object");
        auto it = doc.FindMember(field.c_str());
        if (it == doc.MemberEnd())
            throw InputError(path, line, "no field \"" + field + "\" (set [personas] field)");
        if (!it->value.IsString())
            throw InputError(path, line, "field \"" + field + "\" is not a string");
        out.add(std::string(it->value.GetString(), it->value.GetStringLength()));
    });
}

void load_csv(const std::string& path, const std::string& field, Collector& out) {
    csv::Table table = csv::read_table(path, {field});
    int col = table.column(field);
    for (const auto& row : table.rows) out.add(row[static_cast<std::size_t>(col)]);
}

void load_lines(const std::string& path, Collector& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path + ": cannot open persona file");
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!text::is_valid_utf8(line)) throw InputError(path, line_no, "invalid UTF-8");
        out.add(line);
    }
}

}  // namespace

PersonaSet load_personas(const std::string& path, const std::string& field) {
    PersonaSet set;
    Collector collector(set);
    if (ends_with(path, ".jsonl") || ends_with(path, ".json") || ends_with(path, ".ndjson")) {
        load_jsonl(path, field, collector);
    } else if (ends_with(path, ".csv")) {
        load_csv(path, field, collector);
    } else {
        load_lines(path, collector);
    }
    if (set.personas.empty()) throw InputError(path, 0, "no personas");
    return set;
}

}  // namespace synthmod::generator
