#include "stats/compare.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "common/errors.h"
#include "common/text.h"
#include "stats/figures.h"

namespace synthmod::compare {

namespace {

/// A per-row figure as a ratio of sums, so a bootstrap resample recomputes it cheaply.
struct RowFigure {
    figures::Id id;
    /// (numerator, denominator) contribution of row i.
    std::pair<double, double> (*of)(const metrics::Dataset&, std::size_t);
    bool needs_judge;
};

std::pair<double, double> agreement_of(const metrics::Dataset& d, std::size_t i) {
    bool ok = d.judge[i] == metrics::JudgeStatus::kOk;
    return {ok && d.correct[i] ? 1.0 : 0.0, ok ? 1.0 : 0.0};
}
std::pair<double, double> realism_of(const metrics::Dataset& d, std::size_t i) {
    bool ok = d.judge[i] == metrics::JudgeStatus::kOk && d.realism_score[i] > 0;
    return {ok ? d.realism_score[i] : 0.0, ok ? 1.0 : 0.0};
}
std::pair<double, double> judge_refusal_of(const metrics::Dataset& d, std::size_t i) {
    return {d.judge[i] == metrics::JudgeStatus::kRefused ? 1.0 : 0.0, 1.0};
}
std::pair<double, double> words_of(const metrics::Dataset& d, std::size_t i) {
    return {static_cast<double>(d.words[i]), 1.0};
}

const RowFigure kRowFigures[] = {
    {figures::Id::kAgreement, agreement_of, true},
    {figures::Id::kRealismMean, realism_of, true},
    {figures::Id::kJudgeRefusalRate, judge_refusal_of, true},
    {figures::Id::kWordsMean, words_of, false},
};

std::optional<double> ratio(const metrics::Dataset& d, const RowFigure& f,
                            const std::vector<std::size_t>& rows) {
    double num = 0, den = 0;
    for (std::size_t i : rows) {
        auto [a, b] = f.of(d, i);
        num += a;
        den += b;
    }
    if (den <= 0) return std::nullopt;
    return num / den;
}

}  // namespace

Comparison by_column(const metrics::Dataset& data, const std::string& column,
                     const dedup::NearDupOptions& dedup_options,
                     const metrics::Reference& reference, std::uint64_t seed, int resamples) {
    Comparison cmp;
    cmp.column = column;
    cmp.seed = seed;
    cmp.resamples = resamples;
    auto col_it = std::find(data.header.begin(), data.header.end(), column);
    if (col_it == data.header.end())
        throw UsageError("--compare-by: the input has no column '" + column + "'");
    const auto col = static_cast<std::size_t>(col_it - data.header.begin());

    std::vector<std::vector<std::size_t>> members;
    std::map<std::string, std::size_t> index;
    std::string text;  // the content column (an odd choice, but a column) is rebuilt per row
    for (std::size_t i = 0; i < data.size(); ++i) {
        const int c = static_cast<int>(col);
        std::string v(c == data.content ? data.text(i, text) : data.field(i, c));
        auto [it, fresh] = index.emplace(v, cmp.groups.size());
        if (fresh) {
            cmp.groups.push_back(v);
            members.emplace_back();
        }
        members[it->second].push_back(i);
    }
    const std::size_t g_count = cmp.groups.size();
    std::vector<metrics::Metrics> per_group;
    for (const auto& rows : members) {
        cmp.sizes.push_back(rows.size());
        std::vector<std::string_view> texts;
        texts.reserve(rows.size());
        for (std::size_t i : rows) texts.push_back(data.normalized[i]);
        auto dups = dedup::find_near_duplicates(texts, dedup_options);
        per_group.push_back(metrics::compute(data, dups, reference, rows, dedup_options.threads));
    }

    // Pairing: the k-th row of a (persona, target_label) key in group g with the k-th in group 0.
    cmp.paired = data.persona >= 0 && data.target_label >= 0 && g_count > 1;
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> paired(g_count);
    if (cmp.paired) {
        auto key_of = [&](std::size_t i) {
            return std::string(data.field(i, data.persona)) + '\x1f' +
                   std::string(data.field(i, data.target_label));
        };
        std::map<std::string, std::vector<std::size_t>> base;
        for (std::size_t i : members[0]) base[key_of(i)].push_back(i);
        cmp.pairs.assign(g_count, 0);
        for (std::size_t g = 1; g < g_count; ++g) {
            std::map<std::string, std::size_t> used;
            for (std::size_t i : members[g]) {
                auto it = base.find(key_of(i));
                if (it == base.end()) continue;
                std::size_t k = used[it->first]++;
                if (k < it->second.size()) paired[g].push_back({it->second[k], i});
            }
            cmp.pairs[g] = paired[g].size();
            if (paired[g].empty()) cmp.paired = false;
        }
    }

    // Table rows: every key figure; bootstrap intervals for the per-row ones.
    std::vector<std::vector<std::pair<const figures::Figure*, std::optional<double>>>> values;
    for (const auto& m : per_group) values.push_back(figures::compared(m));
    for (std::size_t f = 0; f < values.front().size(); ++f) {
        const figures::Figure& figure = *values.front()[f].first;
        Row row;
        row.metric = figure.name;
        row.higher_is_better = figure.better != figures::Better::kLower;
        row.decimals = figure.decimals;
        for (std::size_t g = 0; g < g_count; ++g) row.values.push_back(values[g][f].second);
        row.diff.assign(g_count, std::nullopt);
        row.lower.assign(g_count, std::nullopt);
        row.upper.assign(g_count, std::nullopt);
        for (std::size_t g = 1; g < g_count; ++g)
            if (row.values[g] && row.values[0]) row.diff[g] = *row.values[g] - *row.values[0];
        const RowFigure* rf = nullptr;
        for (const auto& candidate : kRowFigures)
            if (figure.id == candidate.id) rf = &candidate;
        if (rf && (!rf->needs_judge || data.has_judge())) {
            for (std::size_t g = 1; g < g_count; ++g) {
                if (!row.diff[g]) continue;
                // A fresh generator per (figure, group) keeps each interval reproducible alone.
                std::mt19937_64 rng(seed ^ (0x9e3779b97f4a7c15ULL * (g + 1)) ^
                                    std::hash<std::string>{}(row.metric));
                std::vector<double> diffs;
                std::vector<std::size_t> a, b;
                for (int r = 0; r < resamples; ++r) {
                    a.clear();
                    b.clear();
                    if (cmp.paired) {
                        const auto& p = paired[g];
                        for (std::size_t k = 0; k < p.size(); ++k) {
                            const auto& pick = p[rng() % p.size()];
                            a.push_back(pick.first);
                            b.push_back(pick.second);
                        }
                    } else {
                        for (std::size_t k = 0; k < members[0].size(); ++k)
                            a.push_back(members[0][rng() % members[0].size()]);
                        for (std::size_t k = 0; k < members[g].size(); ++k)
                            b.push_back(members[g][rng() % members[g].size()]);
                    }
                    auto va = ratio(data, *rf, a);
                    auto vb = ratio(data, *rf, b);
                    if (va && vb) diffs.push_back(*vb - *va);
                }
                if (diffs.size() >= static_cast<std::size_t>(resamples) / 2) {
                    row.lower[g] = metrics::percentile(diffs, 0.025);
                    row.upper[g] = metrics::percentile(diffs, 0.975);
                }
            }
        }
        cmp.rows.push_back(std::move(row));
    }
    return cmp;
}

Baseline against_baseline(const std::string& path, const std::string& json_text,
                          const metrics::Metrics& current, double tolerance) {
    rapidjson::Document doc;
    doc.Parse(json_text.c_str(), json_text.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw InputError(path + ":1: not a metrics.json object");
    Baseline out;
    out.path = std::filesystem::path(path).filename().string();
    out.tolerance = tolerance;
    for (const auto& [figure, value] : figures::compared(current)) {
        BaselineRow row;
        row.metric = figure->name;
        row.higher_is_better = figure->better != figures::Better::kLower;
        row.decimals = figure->decimals;
        row.current = value;
        auto it = doc.FindMember(figure->name);
        if (it != doc.MemberEnd() && it->value.IsNumber()) row.baseline = it->value.GetDouble();
        const figures::Better better = figure->better;
        if (row.current && row.baseline && better != figures::Better::kNeither) {
            const bool share = figure->lo == 0 && figure->hi == 1;
            row.allowed = share ? tolerance : tolerance * std::abs(*row.baseline);
            const double worse = better == figures::Better::kHigher ? *row.baseline - *row.current
                                                                    : *row.current - *row.baseline;
            row.regression = worse > row.allowed + 1e-12;
        }
        out.regressions += row.regression;
        out.rows.push_back(row);
    }
    return out;
}

}  // namespace synthmod::compare
