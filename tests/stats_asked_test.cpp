// Asked for vs got (issue 12): drift, generator refusals, the quota per spec label, empty spec
// labels in the balance and the gate — synthmod-stats run as a process on hand-made rows whose
// figures are worked out by hand below, and on the committed offline example against a
// computation of its own from judged.csv and filtered.csv.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <map>

#include "common/csv.h"
#include "support/json_file.h"
#include "support/process.h"

using synthmod::test::json_file;
using synthmod::test::run;
using synthmod::test::slurp;
using synthmod::test::spit;
using synthmod::test::temp_dir;

namespace {

std::string stats_bin() { return synthmod::test::tool("synthmod-stats"); }

/// A spec with labels A, B, C (weights 1, 1, 2) or with a fourth label D, asking for 8 rows.
std::string spec_text(bool with_d) {
    std::string s = "[dataset]\nname = \"t\"\nrows = 8\nlabel_weights = { A = 1, B = 1, C = 2";
    s += with_d ? ", D = 1 }\n" : " }\n";
    for (const char* name : {"A", "B", "C", "D"}) {
        if (!with_d && std::string(name) == "D") break;
        s += std::string("[[labels]]\nname = \"") + name + "\"\ndefinition = \"label " + name +
             "\"\n";
    }
    return s;
}

// Seven rows, texts far apart (no duplicates), no judge columns: every answered row is kept.
const char* kRows =
    "content,label,target_label\n"
    "the first post about apples and pears in the garden,A,A\n"
    "second one talks of rainy weather over the northern hills,A,A\n"
    "a third text on bicycles and their chains and gears,A,B\n"
    "I can't help with that request.,refused,B\n"
    "fourth entry describing a long train journey east,C,C\n"
    "fifth sentence about cooking rice with fresh herbs,C,C\n"
    "sixth note on learning the violin as an adult,B,C\n";

}  // namespace

TEST_CASE("stats: drift, refusals and quota of hand-made rows are the hand-worked figures",
          "[stats][asked]") {
    const std::string dir = temp_dir("stats-asked");
    spit(dir + "/spec.toml", spec_text(false));
    spit(dir + "/samples.csv", kRows);
    auto r = run({stats_bin(), "--in", dir + "/samples.csv", "--spec", dir + "/spec.toml",
                  "--report-dir", dir + "/report", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto m = json_file(dir + "/report/metrics.json");
    // The refusal is a row, not a label: 7 rows, label counts over the 6 answered ones.
    CHECK(m["rows"].GetUint64() == 7);
    CHECK(m["generator_refusal_rows"].GetUint64() == 1);
    CHECK(m["generator_refusal_rate"].GetDouble() == Approx(1.0 / 7).epsilon(1e-12));
    CHECK(m["label_counts"]["A"].GetUint64() == 3);
    CHECK(m["label_counts"]["B"].GetUint64() == 1);
    CHECK(m["label_counts"]["C"].GetUint64() == 2);
    CHECK_FALSE(m["label_counts"].HasMember("refused"));
    CHECK(m["imbalance_ratio"].GetDouble() == 3.0);
    // Drift: (B asked, A returned) and (C asked, B returned) of the 6 answered rows.
    CHECK(m["answered_rows"].GetUint64() == 6);
    CHECK(m["drift_rows"].GetUint64() == 2);
    CHECK(m["drift_rate"].GetDouble() == Approx(2.0 / 6).epsilon(1e-12));
    const auto& dm = m["drift_matrix"];
    REQUIRE(dm["labels"].Size() == 4);
    CHECK(std::string(dm["labels"][3].GetString()) == "refused");
    const unsigned expected[3][4] = {{2, 0, 0, 0}, {1, 0, 0, 1}, {0, 1, 2, 0}};
    for (unsigned t = 0; t < 3; ++t)
        for (unsigned c = 0; c < 4; ++c) {
            INFO("target " << t << " returned " << c);
            CHECK(dm["counts"][t][c].GetUint64() == expected[t][c]);
        }
    // Quota: 8 rows asked at weights 1:1:2 -> 2, 2, 4.
    CHECK(m["asked_rows"].GetUint64() == 8);
    const auto& q = m["quota"]["labels"];
    REQUIRE(q.Size() == 3);
    struct Want {
        const char* label;
        unsigned asked, answered, refused, failed, drifted_out, drifted_in, kept, shortfall;
        double fill;
    };
    const Want want[] = {{"A", 2, 2, 0, 0, 0, 1, 3, 0, 1.5},
                         {"B", 2, 1, 1, 0, 1, 1, 1, 1, 0.5},
                         {"C", 4, 3, 0, 1, 1, 0, 2, 2, 0.5}};
    for (unsigned i = 0; i < 3; ++i) {
        INFO(want[i].label);
        CHECK(std::string(q[i]["label"].GetString()) == want[i].label);
        CHECK(q[i]["asked"].GetUint64() == want[i].asked);
        CHECK(q[i]["answered"].GetUint64() == want[i].answered);
        CHECK(q[i]["refused"].GetUint64() == want[i].refused);
        CHECK(q[i]["failed"].GetUint64() == want[i].failed);
        CHECK(q[i]["drifted_out"].GetUint64() == want[i].drifted_out);
        CHECK(q[i]["drifted_in"].GetUint64() == want[i].drifted_in);
        CHECK(q[i]["kept"].GetUint64() == want[i].kept);
        CHECK(q[i]["shortfall"].GetUint64() == want[i].shortfall);
        CHECK(q[i]["fill"].GetDouble() == want[i].fill);
    }
    CHECK(m["quota"]["min_fill"].GetDouble() == 0.5);
    CHECK(m["quota_fill"].GetDouble() == 0.5);
    CHECK(m["rejected_by_reason"]["refused"].GetUint64() == 1);
    const std::string report = slurp(dir + "/report/report.md");
    CHECK(report.find("## Asked for vs got") != std::string::npos);
    CHECK(report.find("| C | 4 | 3 | 0 | 1 | 1 | 0 | 2 | 2 | 50.00 % |") != std::string::npos);

    // The gate: min_quota_fill and max_drift_rate by --gate-set.
    auto g = run({stats_bin(), "--in", dir + "/samples.csv", "--spec", dir + "/spec.toml",
                  "--report-dir", dir + "/gated", "--quiet", "--gate", "--gate-set",
                  "min_quota_fill=0.6", "--gate-set", "max_drift_rate=0.4"});
    CHECK(g.exit_code == 1);
    CHECK(g.err.find("min_quota_fill: quota_fill = 0.5000 fails >= 0.6000") != std::string::npos);
    CHECK(g.err.find("max_drift_rate") == std::string::npos);  // 0.333 passes
}

TEST_CASE("stats: a spec label with no row makes the imbalance infinite and fails the gate",
          "[stats][asked]") {
    const std::string dir = temp_dir("stats-empty-label");
    spit(dir + "/spec.toml", spec_text(true));
    spit(dir + "/samples.csv", kRows);
    auto r = run({stats_bin(), "--in", dir + "/samples.csv", "--spec", dir + "/spec.toml",
                  "--report-dir", dir + "/report", "--quiet", "--gate", "--gate-set",
                  "max_imbalance_ratio=100", "--gate-set", "min_rows_per_label=1"});
    CHECK(r.exit_code == 1);
    auto m = json_file(dir + "/report/metrics.json");
    CHECK(m["imbalance_ratio"].IsNull());
    CHECK(m["min_label_count"].GetUint64() == 0);
    CHECK(m["spec_labels_missing"].Size() == 1);
    CHECK(r.err.find("max_imbalance_ratio: imbalance_ratio = inf fails <= 100") != std::string::npos);
    CHECK(r.err.find("min_rows_per_label: min_label_count = 0 fails >= 1") != std::string::npos);
    const std::string report = slurp(dir + "/report/report.md");
    CHECK(report.find("infinite (a spec label has no row)") != std::string::npos);
    CHECK(report.find("| D | 0 | 0.00 % |") != std::string::npos);
}

TEST_CASE("stats: the offline example's drift and quota equal a count of its own files",
          "[stats][asked]") {
    const std::string ex = SYNTHMOD_SOURCE_DIR "/reports/example/";
    auto judged = synthmod::csv::read_table(ex + "judged.csv", {"label", "target_label"});
    auto filtered = synthmod::csv::read_table(ex + "filtered.csv", {"label"});
    const int label = judged.column("label"), target = judged.column("target_label");
    std::map<std::pair<std::string, std::string>, unsigned> cells;
    std::map<std::string, unsigned> out, in, asked_for, kept;
    unsigned drift = 0;
    for (const auto& row : judged.rows) {
        ++cells[{row[target], row[label]}];
        ++asked_for[row[target]];
        if (row[label] != row[target]) {
            ++drift;
            ++out[row[target]];
            ++in[row[label]];
        }
    }
    for (const auto& row : filtered.rows) ++kept[row[filtered.column("label")]];
    auto m = json_file(ex + "metrics.json");
    CHECK(m["answered_rows"].GetUint64() == judged.rows.size());
    CHECK(m["drift_rows"].GetUint64() == drift);
    const auto& dm = m["drift_matrix"];
    for (unsigned t = 0; t < dm["targets"].Size(); ++t)
        for (unsigned c = 0; c < dm["labels"].Size(); ++c)
            CHECK(dm["counts"][t][c].GetUint64() ==
                  cells[{dm["targets"][t].GetString(), dm["labels"][c].GetString()}]);
    for (const auto& q : m["quota"]["labels"].GetArray()) {
        const std::string l = q["label"].GetString();
        INFO(l);
        CHECK(q["asked"].GetUint64() == 250);  // 1,000 rows, four equal weights
        CHECK(q["answered"].GetUint64() == asked_for[l]);
        CHECK(q["drifted_out"].GetUint64() == out[l]);
        CHECK(q["drifted_in"].GetUint64() == in[l]);
        CHECK(q["kept"].GetUint64() == kept[l]);
        CHECK(q["shortfall"].GetUint64() == (kept[l] < 250 ? 250 - kept[l] : 0));
    }
}
