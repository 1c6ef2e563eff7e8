// Tests of report.md's header (issue 12): the spec file, the generator's and the judge's models
// from the input's model columns, and the cost when the input has cost columns.
#include <catch2/catch.hpp>

#include "stats/dataset.h"
#include "stats/metrics.h"
#include "stats/report.h"

using namespace synthmod;

namespace {

/// The header line (the title's third line) of a report over `data` with figures `m`.
std::string header(const metrics::Dataset& data, const metrics::Metrics& m,
                   const std::string& spec) {
    report::Input in;
    in.data = &data;
    in.metrics = &m;
    in.info.inputs = {"judged.csv"};
    in.info.spec = spec;
    const std::string title = report::section::title(in);
    const auto start = title.find("\n\n") + 2;
    return title.substr(start, title.find('\n', start) - start);
}

metrics::Dataset rows(std::vector<std::string> header,
                      const std::vector<std::vector<std::string>>& fields) {
    metrics::Dataset d(std::move(header));
    const auto file = d.add_file("judged.csv");
    for (std::size_t i = 0; i < fields.size(); ++i) d.add_row(fields[i], file, i + 2);
    d.prepare(1);
    return d;
}

}  // namespace

TEST_CASE("report header: spec file, models by rows, cost", "[report][charts]") {
    const auto d = rows({"content", "label", "model", "judge_model", "gen_cost_usd"},
                        {{"a", "Safe", "haiku", "<b>sonnet</b>", "0.25"},
                         {"b", "Safe", "opus", "<b>sonnet</b>", "0.25"},
                         {"c", "Safe", "haiku", "<b>sonnet</b>", ""}});
    metrics::Metrics m;
    m.cost_usd = 0.5;
    CHECK(header(d, m, "/some/where/moderation.toml") ==
          "Spec: moderation.toml · generator model: haiku (2 rows), opus (1 row) (`model` "
          "column) · judge model: &lt;b&gt;sonnet&lt;/b&gt; (`judge_model` column) · cost: "
          "$0.5000 (gen_cost_usd, all rows)");
    // A cost column with an empty cell: the metrics have no cost, the header says why.
    m.cost_usd.reset();
    CHECK(header(d, m, "") ==
          "Spec: none (no --spec) · generator model: haiku (2 rows), opus (1 row) (`model` "
          "column) · judge model: &lt;b&gt;sonnet&lt;/b&gt; (`judge_model` column) · cost: "
          "unknown (a row's gen_cost_usd is empty or unreadable)");
    // No model or cost column: said, not guessed; gen_model is read when model is absent.
    const auto bare = rows({"content", "label"}, {{"a", "Safe"}});
    CHECK(header(bare, m, "s.toml") ==
          "Spec: s.toml · generator model: not in the input (no `model` column) · judge model: "
          "not in the input (no `judge_model` column)");
    const auto gen =
        rows({"content", "label", "gen_model", "judge_cost_usd"}, {{"a", "Safe", "x", "1"}});
    m.cost_usd = 1;
    CHECK(header(gen, m, "s.toml") ==
          "Spec: s.toml · generator model: x (`gen_model` column) · judge model: not in the "
          "input (no `judge_model` column) · cost: $1.0000 (judge_cost_usd, all rows)");
}
