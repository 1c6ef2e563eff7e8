#include "stats/gate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/errors.h"
#include "stats/charts.h"

namespace synthmod::gate {

namespace {

using charts::xml_escape;

/// Key -> the metric it reads.
struct KeyInfo {
    const char* key;
    const char* metric;
};

const KeyInfo kKeys[] = {
    {"min_rows", "rows"},
    {"min_rows_per_label", "min_label_count"},
    {"max_imbalance_ratio", "imbalance_ratio"},
    {"max_exact_dup_rate", "exact_dup_rate"},
    {"max_near_dup_rate", "near_dup_rate"},
    {"max_label_conflict_rate", "label_conflict_rate"},
    {"min_agreement", "agreement"},
    {"min_agreement_lower", "agreement_lower"},
    {"min_kappa", "kappa"},
    {"min_realism_mean", "realism_mean"},
    {"max_refusal_rate", "refusal_rate"},
    {"min_human_accuracy", "human_label_accuracy"},
    {"min_human_accuracy_lower", "human_label_accuracy_lower"},
    {"min_judge_human_kappa", "judge_human_kappa"},
    {"max_contamination_rate", "contamination_rate"},
};

/// The flag that computes a figure the Metrics struct does not hold.
const char* flag_for(const std::string& metric) {
    if (metric.rfind("contamination", 0) == 0) return "--reference F";
    return "--gold F";
}

std::optional<double> metric_value(const std::string& metric, const metrics::Metrics& m,
                                   std::string* why_missing) {
    if (metric == "rows") return static_cast<double>(m.rows);
    if (metric == "min_label_count") {
        if (!m.spec_labels_missing.empty()) return 0.0;
        if (m.label_counts.empty()) return 0.0;
        std::size_t lo = SIZE_MAX;
        for (auto& [name, c] : m.label_counts) lo = std::min(lo, c);
        return static_cast<double>(lo);
    }
    if (metric == "imbalance_ratio") return m.imbalance_ratio;
    if (metric == "exact_dup_rate") return m.exact_dup_rate();
    if (metric == "near_dup_rate") return m.near_dup_rate();
    if (metric == "label_conflict_rate") return m.label_conflict_rate();
    if (metric == "refusal_rate") return m.refusal_rate();
    if (!m.judged) {
        *why_missing = "no judge columns in the input (run synthmod-judge first)";
        return std::nullopt;
    }
    if (metric == "agreement" || metric == "agreement_lower") {
        if (!m.agreement) {
            *why_missing = "no row has judge_status=ok";
            return std::nullopt;
        }
        return metric == "agreement" ? *m.agreement : m.agreement_ci.lower;
    }
    if (metric == "kappa") {
        if (!m.kappa) *why_missing = "no judge_label column or no row with judge_status=ok";
        return m.kappa;
    }
    if (metric == "realism_mean") {
        if (!m.realism_mean) *why_missing = "no realism score on a row with judge_status=ok";
        return m.realism_mean;
    }
    *why_missing = "unknown metric";
    return std::nullopt;
}

}  // namespace

const std::vector<std::string>& keys() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> v;
        for (const auto& k : kKeys) v.push_back(k.key);
        return v;
    }();
    return all;
}

std::pair<std::string, double> parse_setting(const std::string& setting) {
    auto eq = setting.find('=');
    if (eq == std::string::npos)
        throw UsageError("--gate-set '" + setting + "': expected key=value");
    std::string key = setting.substr(0, eq);
    std::string value = setting.substr(eq + 1);
    if (std::find(keys().begin(), keys().end(), key) == keys().end()) {
        std::string known;
        for (const auto& k : keys()) known += (known.empty() ? "" : ", ") + k;
        throw UsageError("--gate-set: unknown key '" + key + "' (known: " + known + ")");
    }
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(v))
        throw UsageError("--gate-set " + key + ": '" + value + "' is not a number");
    return {key, v};
}

bool Result::passed() const {
    return std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
}

std::string format_value(double value) {
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    if (std::isnan(value)) return "nan";
    char buf[64];
    if (value == std::floor(value) && std::abs(value) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", value);
    else
        std::snprintf(buf, sizeof buf, "%.4f", value);
    return buf;
}

Result evaluate(const std::map<std::string, double>& thresholds, const metrics::Metrics& m,
                const std::vector<Figure>& extra) {
    Result result;
    for (const auto& info : kKeys) {
        auto it = thresholds.find(info.key);
        if (it == thresholds.end()) continue;
        Check c;
        c.key = info.key;
        c.metric = info.metric;
        c.at_least = c.key.rfind("min_", 0) == 0;
        c.threshold = it->second;
        std::string why;
        auto found = std::find_if(extra.begin(), extra.end(),
                                  [&](const Figure& f) { return f.name == c.metric; });
        if (found != extra.end()) {
            c.value = found->value;
            why = found->why_missing;
        } else if (c.key.find("human") != std::string::npos ||
                   c.key.find("contamination") != std::string::npos) {
            why = std::string("not computed (give ") + flag_for(c.metric) + ")";
        } else {
            c.value = metric_value(c.metric, m, &why);
        }
        const char* op = c.at_least ? ">=" : "<=";
        if (!c.value) {
            c.passed = false;
            c.message = c.key + ": " + c.metric + " unavailable: " + why;
        } else {
            c.passed = c.at_least ? *c.value >= c.threshold : *c.value <= c.threshold;
            c.message = c.key + ": " + c.metric + " = " + format_value(*c.value) +
                        (c.passed ? " " : " fails ") + op + " " + format_value(c.threshold);
        }
        result.checks.push_back(c);
    }
    return result;
}

std::string junit_xml(const Result& result) {
    std::size_t failures = 0;
    for (const auto& c : result.checks) failures += !c.passed;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"synthmod-stats\" tests=\"" + std::to_string(result.checks.size()) +
           "\" failures=\"" + std::to_string(failures) + "\">\n";
    out += "  <testsuite name=\"synthmod-stats gate\" tests=\"" +
           std::to_string(result.checks.size()) + "\" failures=\"" + std::to_string(failures) +
           "\" errors=\"0\" skipped=\"0\">\n";
    for (const auto& c : result.checks) {
        out += "    <testcase classname=\"synthmod.gate\" name=\"" + xml_escape(c.key) + "\"";
        if (c.passed) {
            out += ">\n      <system-out>" + xml_escape(c.message) +
                   "</system-out>\n    </testcase>\n";
        } else {
            out += ">\n      <failure message=\"" + xml_escape(c.message) + "\" type=\"gate\">" +
                   xml_escape(c.message) + "</failure>\n    </testcase>\n";
        }
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

std::string markdown_table(const Result& result) {
    std::string out = "| check | metric | value | threshold | result |\n|---|---|---:|---:|---|\n";
    for (const auto& c : result.checks) {
        out += "| `" + c.key + "` | " + c.metric + " | " +
               (c.value ? format_value(*c.value) : std::string("unavailable")) + " | " +
               (c.at_least ? "≥ " : "≤ ") + format_value(c.threshold) + " | " +
               (c.passed ? "✅ pass" : "❌ FAIL") + " |\n";
    }
    out += std::string("\n**Gate: ") + (result.passed() ? "PASSED" : "FAILED") + "** (" +
           std::to_string(result.checks.size()) + " checks)\n";
    return out;
}

}  // namespace synthmod::gate
