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
        ->check(CLI::PositiveNumber);
    app.add_option("--out", o.out, "output file ('-' = stdout); journal at <out>.journal")
        ->capture_default_str();
    app.add_option("--personas", o.personas, "persona file (.jsonl, .csv or one per line)");
    app.add_option("--variant", o.variants, "prompt variant to run (repeatable; default all)")
        ->allow_extra_args(false);
    runner::add_common_flags(app, o.run, help);
}

}  // namespace synthmod::generator
