// Tests of the table of figures (common/figures, stats/figures): one entry per id in id order,
// gate keys consistent with their figures, a value for every number.
#include "common/figures.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "stats/figures.h"

using namespace synthmod;
using figures::Better;
using figures::GateUse;
using figures::Kind;

TEST_CASE("the table lists every id once, in id order, sections in order", "[figures]") {
    const auto& all = figures::all();
    REQUIRE(all.size() == static_cast<std::size_t>(figures::Id::kReviewerAlpha) + 1);
    std::set<std::string> names;
    for (std::size_t i = 0; i < all.size(); ++i) {
        INFO(all[i].name);
        CHECK(static_cast<std::size_t>(all[i].id) == i);
        CHECK(names.insert(all[i].name).second);
        CHECK(std::string(all[i].meaning).size() > 5);
        if (i > 0) CHECK(all[i - 1].section <= all[i].section);
        CHECK(figures::find(all[i].name) == &all[i]);
    }
    CHECK(figures::find("no_such_figure") == nullptr);
}

TEST_CASE("gate keys name their figure's direction and are found by key", "[figures]") {
    for (const auto& f : figures::all()) {
        if (f.gate_key == nullptr) {
            CHECK(f.gate_use == GateUse::kNone);
            continue;
        }
        INFO(f.gate_key);
        CHECK(figures::find_gate_key(f.gate_key) == &f);
        CHECK((f.kind == Kind::kCount || f.kind == Kind::kNumber));
        const std::string key = f.gate_key;
        if (f.gate_use == GateUse::kAtLeast) {
            CHECK(key.rfind("min_", 0) == 0);
            CHECK(f.better != Better::kLower);
        }
        if (f.gate_use == GateUse::kAtMost) {
            CHECK(key.rfind("max_", 0) == 0);
            CHECK(f.better != Better::kHigher);
        }
    }
    CHECK(figures::find_gate_key("min_realism")->gate_use == GateUse::kSetting);
    CHECK(figures::find_gate_key("rows") == nullptr);
    CHECK(figures::gate_keys().size() == 18);  // 12 + max_drift_rate, min_quota_fill + 4 of issue 13
}

TEST_CASE("a threshold is checked against its figure's range", "[figures]") {
    const auto& rate = *figures::find_gate_key("max_near_dup_rate");
    CHECK(figures::threshold_error(rate, 0).empty());
    CHECK(figures::threshold_error(rate, 1).empty());
    CHECK(figures::threshold_error(rate, 1.01) == "must be between 0 and 1");
    CHECK(figures::threshold_error(rate, NAN) == "must be a finite number");
    const auto& ratio = *figures::find_gate_key("max_imbalance_ratio");
    CHECK(figures::threshold_error(ratio, 1e9).empty());
    CHECK(figures::threshold_error(ratio, -0.5) == "must be >= 0");
}

TEST_CASE("every number of the table has a value, the others none", "[figures]") {
    metrics::Metrics m;
    m.rows = 4;
    m.judged = true;
    m.agreement = 0.5;
    m.kappa = 0.25;
    m.realism_mean = 4;
    m.judge_refusal_rate = 0.25;
    m.persona_coverage = 0.5;
    m.has_target = true;
    m.answered_rows = 3;
    m.drift_rows = 1;
    m.quota.push_back({"a", 4, 3, 1, 0, 1, 0, 2, 2, 0.5});
    m.cost_usd = 0.04;
    m.cost_per_accepted_row = 0.01;
    // The ground-truth figures are set after the metrics, by name (stats/ground_truth.h).
    for (const auto& f : figures::all())
        if (f.section == figures::Section::kGroundTruth) m.extra[f.name] = {1.0, ""};
    for (const auto& f : figures::all()) {
        INFO(f.name);
        std::string why;
        const auto v = figures::value(f.id, m, &why);
        const bool is_number = f.kind == Kind::kCount || f.kind == Kind::kNumber;
        CHECK(v.has_value() == is_number);
        if (!is_number) CHECK(why == "not a number");
        if (v && f.kind == Kind::kCount) CHECK(*v == std::floor(*v));
    }
}

TEST_CASE("ground-truth figures are unavailable without their flag, and say which", "[figures]") {
    metrics::Metrics m;
    std::string why;
    CHECK_FALSE(figures::value(figures::Id::kHumanLabelAccuracy, m, &why));
    CHECK(why == "not computed (give --gold F)");
    CHECK_FALSE(figures::value(figures::Id::kContaminationRate, m, &why));
    CHECK(why == "not computed (give --reference F)");
    CHECK_FALSE(figures::value(figures::Id::kJudgeVotesFleissKappa, m, &why));
    CHECK(why == "no judge_votes column (judge --votes K)");
    m.extra["reviewer_kappa"] = {std::nullopt, "needs exactly two reviewers"};
    CHECK_FALSE(figures::value(figures::Id::kReviewerKappa, m, &why));
    CHECK(why == "needs exactly two reviewers");
}

TEST_CASE("judge figures are unavailable without judge columns, and say why", "[figures]") {
    metrics::Metrics m;
    m.rows = 3;
    std::string why;
    CHECK_FALSE(figures::value(figures::Id::kAgreement, m, &why));
    CHECK(why == "no judge columns in the input (run synthmod-judge first)");
    m.judged = true;
    CHECK_FALSE(figures::value(figures::Id::kKappa, m, &why));
    CHECK(why == "no judge_label column or no row with judge_status=ok");
    // Figures that do not need the judge are there either way.
    CHECK(figures::value(figures::Id::kRefusalRate, m) == 0.0);
    CHECK(figures::value(figures::Id::kRows, m) == 3.0);
}

TEST_CASE("min_label_count is 0 when a spec label has no row", "[figures]") {
    metrics::Metrics m;
    m.rows = 9;
    m.label_counts = {{"a", 5}, {"b", 4}};
    CHECK(figures::value(figures::Id::kMinLabelCount, m) == 4.0);
    m.spec_labels_missing = {"c"};
    CHECK(figures::value(figures::Id::kMinLabelCount, m) == 0.0);
}
