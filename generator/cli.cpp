#include "generator/cli.h"

#include "common/llm/runner_cli.h"

namespace synthmod::generator {

void add_flags(CLI::App& app, Options& o) {
    runner::ToolHelp help;
    help.name = "synthmod-generate";
    help.summary =
        "Generates labeled, persona-conditioned user posts for a content-moderation dataset and "
        "writes samples.csv (content,label,id,target_label,variant,context,persona,model). Reads "
        "the API key from ANTHROPIC_API_KEY / OPENAI_API_KEY (never from a flag).";
    help.example =
        "synthmod-generate --spec examples/moderation.toml --out run/samples.csv --max-cost 5";
    help.spec_section = "[generator]";
    runner::describe_tool(app, help);
    app.add_option("--spec", o.spec_path, "dataset spec (TOML)")->required();
    app.add_option("--rows", o.rows, "rows to generate, all variants together")
        ->check(runner::within(spec::bounds::kRows));
    app.add_option("--out", o.out, "output file ('-' = stdout); journal at <out>.journal")
        ->capture_default_str();
    app.add_option("--personas", o.personas, "persona file (.jsonl, .csv or one per line)");
    app.add_option("--variant", o.variants, "prompt variant to run (repeatable; default all)")
        ->allow_extra_args(false);
    app.add_flag("--retry-refused", o.retry_refused,
                 "ask again the rows an earlier run recorded as refused (default: a refusal is "
                 "an outcome, kept as a row labelled 'refused')");
    app.add_option("--top-up", o.top_up,
                   "stats' metrics.json of an earlier run: ask only each label's shortfall, scaled "
                   "by its yield, with new ids (give it its own --out)");
    runner::add_common_flags(app, o.run, help);
}

}  // namespace synthmod::generator
