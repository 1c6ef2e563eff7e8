#include "stats/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace synthmod::figures {

namespace {

std::optional<double> count(std::size_t n) { return static_cast<double>(n); }

/// Rows of the smallest label; 0 when a spec label has no row or there is no label at all.
double min_label_count(const metrics::Metrics& m) {
    if (!m.spec_labels_missing.empty() || m.label_counts.empty()) return 0.0;
    std::size_t lo = SIZE_MAX;
    for (const auto& [name, c] : m.label_counts) lo = std::min(lo, c);
    return static_cast<double>(lo);
}

/// Figures of the judge section: absent without judge columns, and when there are some but no
/// row to compute them from.
std::optional<double> judge_value(Id id, const metrics::Metrics& m, std::string* why) {
    auto missing = [&](const char* reason) -> std::optional<double> {
        if (why != nullptr) *why = reason;
        return std::nullopt;
    };
    if (!m.judged) return missing("no judge columns in the input (run synthmod-judge first)");
    switch (id) {
        case Id::kAgreement:
            if (!m.agreement) return missing("no row has judge_status=ok");
            return m.agreement;
        case Id::kAgreementLower:
        case Id::kAgreementUpper:
            if (!m.agreement) return missing("no row has judge_status=ok");
            return id == Id::kAgreementLower ? m.agreement_ci.lower : m.agreement_ci.upper;
        case Id::kKappa:
            if (!m.kappa) return missing("no judge_label column or no row with judge_status=ok");
            return m.kappa;
        case Id::kRealismMean:
            if (!m.realism_mean) return missing("no realism score on a row with judge_status=ok");
            return m.realism_mean;
        case Id::kJudgeRefusalRate:
            if (!m.judge_refusal_rate) return missing("no judge_status column");
            return m.judge_refusal_rate;
        case Id::kJudgeErrorRate:
            return m.rate(m.judge_errors);
        default:
            return missing("not a judge figure");
    }
}

std::optional<double> balance_value(Id id, const metrics::Metrics& m) {
    switch (id) {
        case Id::kRows:
            return count(m.rows);
        case Id::kMinLabelCount:
            return min_label_count(m);
        case Id::kImbalanceRatio:
            return m.imbalance_ratio;
        case Id::kEntropy:
            return m.entropy;
        case Id::kChiSquare:
            return m.chi.statistic;
        case Id::kChiSquareDf:
            return m.chi.df;
        case Id::kChiSquareP:
            return m.chi.p;
        default:
            return std::nullopt;
    }
}

std::optional<double> asked_value(Id id, const metrics::Metrics& m, std::string* why) {
    auto missing = [&](const char* reason) -> std::optional<double> {
        if (why != nullptr) *why = reason;
        return std::nullopt;
    };
    switch (id) {
        case Id::kAnsweredRows:
            return count(m.answered_rows);
        case Id::kDriftRows:
            return count(m.drift_rows);
        case Id::kDriftRate:
            if (!m.has_target) return missing("no target_label column in the input");
            if (!m.drift_rate()) return missing("no answered row with a target_label");
            return m.drift_rate();
        case Id::kAskedRows:
            return count(m.asked_rows);
        case Id::kQuotaFill:
            if (m.quota.empty()) return missing("no quota: give --spec (its labels, weights and rows)");
            return m.min_quota_fill();
        default:
            return std::nullopt;
    }
}

std::optional<double> duplicates_value(Id id, const metrics::Metrics& m) {
    switch (id) {
        case Id::kExactDupRows:
            return count(m.exact_dup_rows);
        case Id::kExactDupRate:
            return m.exact_dup_rate();
        case Id::kRawExactDupRows:
            return count(m.raw_exact_dup_rows);
        case Id::kRawExactDupRate:
            return m.rate(m.raw_exact_dup_rows);
        case Id::kEmptyRows:
            return count(m.empty_rows);
        case Id::kShortRows:
            return count(m.short_rows);
        case Id::kNearDupPairs:
            return static_cast<double>(m.near_dup_pairs);
        case Id::kNearDupClusters:
            return count(m.near_dup_clusters);
        case Id::kRowsInClusters:
            return count(m.rows_in_clusters);
        case Id::kNearDupRemoved:
            return count(m.near_dup_removed);
        case Id::kNearDupRate:
            return m.near_dup_rate();
        case Id::kLabelConflictClusters:
            return count(m.conflicts.size());
        case Id::kLabelConflictRows:
            return count(m.label_conflict_rows);
        case Id::kLabelConflictRate:
            return m.label_conflict_rate();
        default:
            return std::nullopt;
    }
}

/// The judge section: counts that are 0 without judge columns, and the figures of judge_value.
std::optional<double> judge_section_value(Id id, const metrics::Metrics& m, std::string* why) {
    switch (id) {
        case Id::kJudgeOk:
            return count(m.judge_ok);
        case Id::kJudgeRefusalRows:
            return count(m.judge_refused);
        case Id::kJudgeErrorRows:
            return count(m.judge_errors);
        case Id::kGeneratorRefusalRows:
            return count(m.generator_refused);
        case Id::kGeneratorRefusalRate:
            return m.generator_refusal_rate();
        case Id::kRefusalRate:
            return m.refusal_rate();
        default:
            return judge_value(id, m, why);
    }
}

std::optional<double> diversity_value(Id id, const metrics::Metrics& m, std::string* why) {
    switch (id) {
        case Id::kDistinct1:
            return m.distinct_1;
        case Id::kDistinct2:
            return m.distinct_2;
        case Id::kWordsMean:
            return m.length_all.mean;
        case Id::kTopOpeningShare:
            return m.top_openings.empty() ? 0.0 : m.top_openings.front().share;
        case Id::kPersonaCoverage:
            if (!m.persona_coverage && why != nullptr) *why = "no persona column";
            return m.persona_coverage;
        case Id::kDistinctPersonas:
            return count(m.distinct_personas);
        default:
            return std::nullopt;
    }
}

std::optional<double> filter_value(Id id, const metrics::Metrics& m) {
    switch (id) {
        case Id::kFilteredRows:
            return count(m.kept_rows.size());
        case Id::kFilteredRate:
            return m.rate(m.kept_rows.size());
        case Id::kRejectedRows:
            return count(m.rows - m.kept_rows.size());
        case Id::kMinRealism:
            return m.min_realism;
        case Id::kCostUsd:
            return m.cost_usd;
        case Id::kCostPerAcceptedRow:
            return m.cost_per_accepted_row;
        default:
            return std::nullopt;
    }
}

/// Figures of --gold, --reference and vote ties, set in Metrics::extra after the metrics.
std::optional<double> ground_truth_value(const Figure& f, const metrics::Metrics& m,
                                         std::string* why) {
    auto it = m.extra.find(f.name);
    if (it == m.extra.end()) {
        if (why != nullptr) {
            const std::string_view name = f.name;
            *why = name.rfind("contamination", 0) == 0 ? "not computed (give --reference F)"
                   : name.rfind("judge_tie", 0) == 0 || name.rfind("judge_vote", 0) == 0
                       ? "no judge_votes column (judge --votes K)"
                       : "not computed (give --gold F)";
        }
        return std::nullopt;
    }
    if (!it->second.value && why != nullptr) *why = it->second.why_missing;
    return it->second.value;
}

}  // namespace

std::optional<double> value(Id id, const metrics::Metrics& m, std::string* why) {
    const Figure& f = of(id);
    if (f.kind != Kind::kCount && f.kind != Kind::kNumber) {
        // Written by their own writers (stats/report_json.cpp).
        if (why != nullptr) *why = "not a number";
        return std::nullopt;
    }
    // A number the section does not know is a table row without a value: the unit test
    // "every number of the table has a value" fails on it.
    switch (f.section) {
        case Section::kBalance:
            return balance_value(id, m);
        case Section::kAsked:
            return asked_value(id, m, why);
        case Section::kDuplicates:
            return duplicates_value(id, m);
        case Section::kJudge:
            return judge_section_value(id, m, why);
        case Section::kDiversity:
            return diversity_value(id, m, why);
        case Section::kFilter:
            return filter_value(id, m);
        case Section::kGroundTruth:
            return ground_truth_value(f, m, why);
    }
    return std::nullopt;
}

std::vector<std::pair<const Figure*, std::optional<double>>> compared(const metrics::Metrics& m) {
    std::vector<std::pair<const Figure*, std::optional<double>>> out;
    for (const auto& f : all())
        if (f.compared) out.emplace_back(&f, value(f.id, m));
    return out;
}

std::vector<ClusterSummary> largest_clusters(const dedup::NearDupResult& d,
                                             const metrics::Dataset& data, std::size_t k) {
    std::vector<ClusterSummary> all(d.clusters);
    for (std::size_t c = 0; c < all.size(); ++c) {
        all[c].cluster = static_cast<std::int32_t>(c);
        all[c].first_row = SIZE_MAX;
    }
    for (std::size_t i = 0; i < d.cluster.size(); ++i) {
        if (d.cluster[i] < 0) continue;
        auto& c = all[static_cast<std::size_t>(d.cluster[i])];
        ++c.rows;
        c.first_row = std::min(c.first_row, i);
    }
    std::sort(all.begin(), all.end(), [](const ClusterSummary& a, const ClusterSummary& b) {
        return a.rows != b.rows ? a.rows > b.rows : a.first_row < b.first_row;
    });
    if (all.size() > k) all.resize(k);
    for (auto& c : all) {
        for (std::size_t i = 0; i < d.cluster.size(); ++i)
            if (d.cluster[i] == c.cluster) c.labels.emplace_back(data.label_of(i));
        std::sort(c.labels.begin(), c.labels.end());
        c.labels.erase(std::unique(c.labels.begin(), c.labels.end()), c.labels.end());
    }
    return all;
}

std::vector<MatchProbability> match_probabilities(double threshold, minhash::Banding banding,
                                                  int rounds) {
    std::vector<MatchProbability> out;
    // Rounded to 1e-9 so that 0.8 + 0.05 is written 0.85, not 0.8500000000000001.
    const double above = std::round(std::min(1.0, threshold + 0.05) * 1e9) / 1e9;
    for (double s : {threshold, above})
        out.push_back({s, minhash::match_probability(s, banding, rounds)});
    return out;
}

}  // namespace synthmod::figures
