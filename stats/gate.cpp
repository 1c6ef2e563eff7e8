#include "stats/gate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/errors.h"
#include "stats/charts.h"
#include "stats/figures.h"

namespace synthmod::gate {

namespace {
using charts::xml_escape;
}  // namespace

std::vector<std::string> keys() {
    std::vector<std::string> out;
    for (const auto& f : figures::all())
        if (f.gate_use == figures::GateUse::kAtLeast || f.gate_use == figures::GateUse::kAtMost)
            out.emplace_back(f.gate_key);
    return out;
}

std::pair<std::string, double> parse_setting(const std::string& setting) {
    auto eq = setting.find('=');
    if (eq == std::string::npos)
        throw UsageError("--gate-set '" + setting + "': expected key=value");
    std::string key = setting.substr(0, eq);
    std::string value = setting.substr(eq + 1);
    if (figures::find_gate_key(key) == nullptr)
        throw UsageError("--gate-set: unknown key '" + key +
                         "' (known: " + figures::gate_keys_list() + ")");
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(v))
        throw UsageError("--gate-set " + key + ": '" + value + "' is not a number");
    return {key, v};
}

void apply_settings(spec::Gate& gate, const std::vector<std::string>& settings) {
    for (const auto& setting : settings) {
        auto [key, v] = parse_setting(setting);
        if (std::string what = gate.set(key, v); !what.empty())
            throw UsageError("--gate-set " + setting + ": " + what);
    }
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

Result evaluate(const std::map<std::string, double>& thresholds, const metrics::Metrics& m) {
    Result result;
    for (const auto& figure : figures::all()) {
        if (figure.gate_key == nullptr || figure.gate_use == figures::GateUse::kSetting) continue;
        auto it = thresholds.find(figure.gate_key);
        if (it == thresholds.end()) continue;
        Check c;
        c.key = figure.gate_key;
        c.metric = figure.name;
        c.at_least = figure.gate_use == figures::GateUse::kAtLeast;
        c.threshold = it->second;
        std::string why;
        c.value = figures::value(figure.id, m, &why);
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

void add_baseline_checks(Result& result, const compare::Baseline& baseline) {
    for (const auto& row : baseline.rows) {
        if (!row.current || !row.baseline || row.allowed < 0) continue;
        const figures::Figure* f = figures::find(row.metric);
        if (f == nullptr || f->better == figures::Better::kNeither) continue;
        Check c;
        c.key = "baseline:" + row.metric;
        c.metric = row.metric;
        c.at_least = row.higher_is_better;
        c.threshold = row.higher_is_better ? *row.baseline - row.allowed : *row.baseline + row.allowed;
        c.value = row.current;
        c.passed = !row.regression;
        c.message = "baseline: " + row.metric + " = " + format_value(*row.current) +
                    (c.passed ? " " : " fails ") + (c.at_least ? ">=" : "<=") + " " +
                    format_value(c.threshold) + " (" + format_value(*row.baseline) + " in " +
                    baseline.path + ", tolerance " + format_value(row.allowed) + ")";
        result.checks.push_back(std::move(c));
    }
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
