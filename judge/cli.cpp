#include "judge/cli.h"

#include "common/llm/runner_cli.h"

namespace synthmod::judge {

void add_flags(CLI::App& app, Options& o) {
    runner::ToolHelp help;
    help.name = "synthmod-judge";
    help.summary =
        "Grades every row of a CSV with content,label by a second model: its own label, realism "
        "1-5 and issue tags (a rationale with --rationale). Writes judged.csv: every input column, "
        "then judge_label,label_correct,realism,issues,rationale,judge_model,judge_status.";
    help.example =
        "synthmod-judge --spec examples/moderation.toml --in run/samples.csv --out "
        "run/judged.csv --max-cost 5";
    help.notes =
        "Blind by default: the judge does not see our label and label_correct is judge_label ==\n"
        "label. With --no-blind it sees our label and label_correct is its verdict. --votes K\n"
        "asks K times per row and adds judge_votes (the K labels, ';'-joined, empty for a vote\n"
        "that was refused or failed) and judge_confidence (share of answering votes that agree\n"
        "with the majority). Rows the run did not reach (interrupted, budget) are written with\n"
        "judge_status=error and a rationale starting 'not judged:'. With --shard I/N a row\n"
        "belongs to a shard by its id column (else its 0-based row index). The answer is label,\n"
        "realism and issues; --rationale (spec rationale = true) adds one or two sentences of\n"
        "reason, the longest and so the dearest part of an answer, which no figure of stats reads.";
    help.spec_section = "[judge]";
    runner::describe_tool(app, help);
    app.add_option("--spec", o.spec_path, "dataset spec (TOML)")->required();
    app.add_option("--in", o.in_path, "input CSV with content,label ('-' = stdin)")->required();
    app.add_option("--out", o.out_path, "output file ('-' = stdout); journal at <out>.journal")
        ->capture_default_str();
    app.add_flag("--no-blind", o.no_blind, "show the judge our label and ask for a verdict");
    auto* with_rationale =
        app.add_flag("--rationale", o.rationale,
                     "ask for a rationale too: longer, dearer answers (spec [judge] rationale = "
                     "true); without it the rationale column stays empty");
    app.add_flag("--no-rationale", o.no_rationale,
                 "ask for no rationale even if the spec sets [judge] rationale = true")
        ->excludes(with_rationale);
    app.add_option("--votes", o.votes, "requests per row; majority label")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    input::add_flags(app, o.input, false);
    app.add_flag("--allow-unknown-labels", o.allow_unknown_labels,
                 "judge rows whose label is not in the spec");
    runner::add_common_flags(app, o.run, help, "--model,--judge-model");
}

}  // namespace synthmod::judge
