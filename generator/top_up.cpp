#include "generator/top_up.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "common/errors.h"
#include "common/llm/journal.h"

namespace synthmod::generator {

namespace {

double number(const rapidjson::Value& v, const char* key, const std::string& where) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd() || it->value.IsNull()) return 0;
    if (!it->value.IsNumber()) throw InputError(where + "." + key + " is not a number");
    return it->value.GetDouble();
}

std::string format_number(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
}

}  // namespace

TopUp read_top_up(const std::string& metrics_path, const std::vector<std::string>& labels) {
    std::ifstream in(metrics_path, std::ios::binary);
    if (!in) throw InputError(metrics_path + ": cannot read the file");
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw InputError(metrics_path +
                         ": not a JSON object (expected synthmod-stats' metrics.json)");
    auto quota = doc.FindMember("quota");
    if (quota == doc.MemberEnd() || !quota->value.IsObject() || !quota->value.HasMember("labels") ||
        !quota->value["labels"].IsArray())
        throw InputError(metrics_path +
                         ": no quota section (quota.labels); write it with synthmod-stats --spec");

    TopUp top;
    top.rows.assign(labels.size(), 0);
    top.yields.assign(labels.size(), 1.0);
    std::string key;  // what the round key is taken over: the figures the top-up uses
    double asked_sum = 0;
    const auto& list = quota->value["labels"];
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
        const std::string where = metrics_path + ": quota.labels[" + std::to_string(i) + "]";
        const auto& entry = list[i];
        if (!entry.IsObject() || !entry.HasMember("label") || !entry["label"].IsString())
            throw InputError(where + " has no string \"label\"");
        const std::string label = entry["label"].GetString();
        auto at = std::find(labels.begin(), labels.end(), label);
        if (at == labels.end())
            throw InputError(where + ": label \"" + label + "\" is not in the spec's labels");
        const auto l = static_cast<std::size_t>(at - labels.begin());
        const double answered = number(entry, "answered", where);
        const double kept = number(entry, "kept", where);
        const double shortfall = number(entry, "shortfall", where);
        asked_sum += number(entry, "asked", where);
        key += label + "\x1f" + format_number(answered) + "\x1f" + format_number(kept) + "\x1f" +
               format_number(shortfall) + "\n";
        if (shortfall <= 0) continue;
        double yield = 1.0;
        if (answered > 0) {
            yield = kept / answered;
            if (yield < kMinYield) {
                top.notes.push_back("\"" + label + "\": yield " + format_number(yield) + " (kept " +
                                    format_number(kept) + " of " + format_number(answered) +
                                    " answered) taken as " + format_number(kMinYield) +
                                    ": at most " + format_number(1 / kMinYield) +
                                    " x its shortfall is asked");
                yield = kMinYield;
            }
            yield = std::min(yield, 1.0);
        } else {
            top.notes.push_back("\"" + label +
                                "\": no answered row, so no yield: its shortfall is asked as is");
        }
        top.yields[l] = yield;
        top.rows[l] = static_cast<std::size_t>(std::ceil(shortfall / yield - 1e-9));
    }
    top.base_rows = static_cast<std::size_t>(std::llround(asked_sum));
    top.round_key = journal::hash_hex(key).substr(0, 12);
    return top;
}

}  // namespace synthmod::generator
