#include "generator/generate.h"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "common/csv.h"
#include "common/errors.h"
#include "common/jsonl.h"
#include "common/llm/estimate.h"
#include "common/llm/http.h"
#include "common/llm/journal.h"
#include "common/llm/offline.h"
#include "common/llm/pricing.h"
#include "common/llm/runner.h"
#include "common/output_file.h"
#include "common/signals.h"
#include "generator/personas.h"
#include "generator/prompts.h"

namespace synthmod::generator {

namespace {

const std::vector<std::string> kColumns = {"content", "label",   "id",    "target_label", "variant",
                                           "context", "persona", "model", "gen_cost_usd"};

/// Contexts used when the spec lists none.
const std::vector<std::string> kDefaultContexts = {"a social media post"};

std::vector<spec::Variant> selected_variants(const spec::Spec& spec,
                                             const std::vector<std::string>& selected) {
    std::vector<spec::Variant> all = spec.generator.variants;
    if (all.empty()) all.push_back({spec::kDefaultVariantName, spec::kDefaultVariantPrompt});
    if (selected.empty()) return all;
    std::vector<spec::Variant> out;
    for (const auto& name : selected) {
        bool found = false;
        for (const auto& v : all) {
            if (v.name != name) continue;
            found = true;
            bool dup = false;
            for (const auto& o : out) dup = dup || o.name == name;
            if (!dup) out.push_back(v);
        }
        if (!found) {
            std::string names;
            for (const auto& v : all) names += (names.empty() ? "" : ", ") + v.name;
            throw UsageError("--variant: no variant named \"" + name + "\" in " + spec.file +
                             " (it has: " + names + ")");
        }
    }
    return out;
}

std::string personas_path(const Options& options, const spec::Spec& spec) {
    if (!options.personas.empty()) return options.personas;
    if (!spec.personas.path.empty()) return spec.personas.path;
    throw UsageError(spec.file + ": no persona file: set [personas] path or pass --personas F");
}

std::string plan_hash(const std::vector<runner::Item>& items, const llm::Provider& provider) {
    std::string key = provider.name() + "\n" + provider.model() + "\n";
    for (const auto& item : items) {
        const llm::Prompt& p = item.prompt;
        key += item.id + "\x1f" +
               journal::hash_hex(p.system.str() + "\x1f" + p.user + "\x1f" + p.schema_json.str()) +
               "\x1f" + std::to_string(p.max_tokens) + "\x1f" +
               (p.temperature ? std::to_string(*p.temperature) : "-") + "\n";
    }
    return journal::hash_hex(key);
}

/// Output tokens of the shortest answer expected, the dry run's prior when no journal of this
/// spec exists: a post of a few words with its label fields.
constexpr std::int64_t kPriorAnswerTokens = 16;

/// --dry-run: the plan, the token estimate and the cost range; nothing is sent or written.
void print_dry_run(std::ostream& out, const Options& options, const spec::Spec& spec,
                   const Plan& plan, const std::vector<spec::Variant>& variants,
                   const std::vector<runner::Item>& items, const std::string& persona_file,
                   std::size_t planned) {
    out << "plan: " << planned << " requests = " << plan.groups << " groups x " << variants.size()
        << " variant" << (variants.size() == 1 ? "" : "s") << " (seed " << spec.seed << ")\n";
    if (!options.run.shard.whole())
        out << "shard " << options.run.shard.str() << ": " << plan.items.size() << " of " << planned
            << " requests (chosen by id); the figures below are this shard's\n";
    out << "\n";
    std::map<std::pair<std::string, std::string>, std::size_t> counts;
    for (const auto& item : plan.items) ++counts[{item.target_label, item.variant}];
    std::size_t width = 5;
    for (const auto& l : spec.labels) width = std::max(width, l.name.size());
    out << std::left << std::setw(static_cast<int>(width) + 2) << "label";
    for (const auto& v : variants)
        out << std::setw(static_cast<int>(std::max<std::size_t>(v.name.size(), 6)) + 2) << v.name;
    out << "total\n";
    for (const auto& l : spec.labels) {
        std::size_t total = 0;
        out << std::setw(static_cast<int>(width) + 2) << l.name;
        for (const auto& v : variants) {
            std::size_t n = counts[{l.name, v.name}];
            total += n;
            out << std::setw(static_cast<int>(std::max<std::size_t>(v.name.size(), 6)) + 2) << n;
        }
        out << total << "\n";
    }
    out << "\npersonas: " << plan.personas_used << " used of " << plan.personas_available
        << " available (" << persona_file << ")\n";
    out << "contexts: " << spec.generator.contexts.size() << "\n";
    out << "provider: " << spec.generator.provider << ", model "
        << (spec.generator.provider == "offline" ? "offline" : spec.generator.model)
        << (options.run.batch ? ", message batches (50 % price)" : "") << "\n";

    estimate::Tokens tokens;
    for (const auto& item : items) tokens.add(item.prompt);
    const std::string journal = runner::journal_path("synthmod-generate", options.out);
    const estimate::OutputRange output =
        estimate::output_range(tokens,
                               estimate::journal_output_tokens(journal, "synthmod-generate",
                                                               journal::hash_hex(spec.source_text)),
                               kPriorAnswerTokens, "a short post and its fields");
    const bool offline = spec.generator.provider == "offline";
    estimate::print_cost(
        out, "", spec.generator.model, tokens, output,
        offline ? std::nullopt : estimate::find_price(spec.generator.model, options.run.pricing),
        offline, options.run.batch);
}

/// Writes the finished rows (status ok) in plan order; returns how many.
std::size_t write_samples(const Options& options, const Plan& plan,
                          const std::map<std::string, journal::Record>& records,
                          const std::string& model) {
    OutputFile file(options.out);
    std::ostream& out = file.stream();
    csv::Writer writer(out, options.run.csv_safe);
    bool jsonl = runner::output_format(options.run, options.out) == "jsonl";
    if (!jsonl) writer.write_row(kColumns);
    std::size_t written = 0;
    for (const auto& item : plan.items) {
        auto it = records.find(item.id);
        if (it == records.end() || it->second.status != "ok") continue;
        rapidjson::Document doc;
        doc.Parse(it->second.answer_json.c_str(), it->second.answer_json.size());
        if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("content") ||
            !doc["content"].IsString() || !doc.HasMember("label") || !doc["label"].IsString())
            continue;  // the runner validated it; a hand-edited journal is not trusted further
        std::vector<std::string> row = {
            std::string(doc["content"].GetString(), doc["content"].GetStringLength()),
            std::string(doc["label"].GetString(), doc["label"].GetStringLength()),
            item.id,
            item.target_label,
            item.variant,
            item.context,
            item.persona,
            model,
            pricing::cost_cell(it->second.cost, it->second.cost_known)};
        if (jsonl)
            out << jsonl::object_line(kColumns, row) << "\n";
        else
            writer.write_row(row);
        ++written;
    }
    file.commit();
    return written;
}

}  // namespace

spec::Spec effective_spec(const Options& options) {
    spec::Spec spec = spec::load(options.spec_path);
    if (options.rows) spec.rows = *options.rows;
    if (!options.run.provider.empty()) spec.generator.provider = options.run.provider;
    if (!options.run.model.empty()) spec.generator.model = options.run.model;
    if (!options.run.base_url.empty()) spec.generator.base_url = options.run.base_url;
    if (options.run.concurrency) spec.generator.concurrency = *options.run.concurrency;
    if (spec.generator.contexts.empty()) spec.generator.contexts = kDefaultContexts;
    if (spec.rows < 1) throw UsageError("--rows: must be at least 1");
    return spec;
}

PlanRequest plan_request(const spec::Spec& spec, const std::vector<std::string>& selected) {
    PlanRequest r;
    r.rows = static_cast<std::size_t>(spec.rows);
    r.seed = spec.seed;
    for (const auto& l : spec.labels) r.labels.push_back(l.name);
    r.weights = spec.label_weights;
    if (r.weights.empty()) r.weights.assign(r.labels.size(), 1.0);
    for (const auto& v : selected_variants(spec, selected)) r.variants.push_back(v.name);
    r.contexts = spec.generator.contexts.empty() ? kDefaultContexts : spec.generator.contexts;
    return r;
}

int run(const Options& options) {
    spec::Spec spec = effective_spec(options);
    std::vector<spec::Variant> variants = selected_variants(spec, options.variants);
    PlanRequest request = plan_request(spec, options.variants);

    std::string persona_file = personas_path(options, spec);
    PersonaSet personas = load_personas(persona_file, spec.personas.field);
    if (!options.run.quiet && (personas.blank || personas.duplicates))
        std::cerr << "synthmod-generate: " << persona_file << ": dropped " << personas.blank
                  << " blank and " << personas.duplicates << " duplicate personas\n";

    Plan plan = make_plan(request, personas.personas);
    // --shard I/N: this process does the plan items whose id falls in its part.
    const std::size_t planned = plan.items.size();
    if (!options.run.shard.whole()) {
        std::vector<PlanItem> mine;
        for (auto& item : plan.items)
            if (options.run.shard.holds(item.id)) mine.push_back(std::move(item));
        plan.items = std::move(mine);
    }
    // One copy of each, shared by every item's prompt.
    const llm::SharedText system = system_prompt(spec);
    const llm::SharedText schema = answer_schema(spec.labels);
    std::map<std::string, const spec::Variant*> by_name;
    for (const auto& v : variants) by_name[v.name] = &v;
    std::vector<runner::Item> items;
    items.reserve(plan.items.size());
    const bool offline = spec.generator.provider == "offline";
    for (const auto& item : plan.items) {
        items.push_back(
            {item.id, build_prompt(spec, *by_name.at(item.variant), item, system, schema)});
        if (!offline) items.back().prompt.vars.clear();  // only the offline provider reads them
    }

    if (options.run.dry_run) {
        print_dry_run(std::cout, options, spec, plan, variants, items, persona_file, planned);
        return 0;
    }

    llm::ProviderConfig config;
    config.provider = spec.generator.provider;
    config.model = spec.generator.model;
    config.base_url = spec.generator.base_url;
    config.native_structured_output = options.run.native_json;
    std::unique_ptr<llm::Provider> provider = config.provider == "offline"
                                                  ? llm::make_offline_provider("offline")
                                                  : llm::make_provider(config);
    if (options.out != "-") check_writable(options.out);

    runner::Options ro = runner::make_options(options.run, "synthmod-generate",
                                              spec.generator.concurrency, options.out);

    std::unique_ptr<http::Transport> transport;
    if (provider->remote()) transport = http::make_curl_transport(ro.http);

    journal::Header header;
    header.tool = "synthmod-generate";
    header.spec_hash = journal::hash_hex(spec.source_text);
    header.plan_hash = plan_hash(items, *provider);

    const std::vector<spec::Label> labels = spec.labels;
    runner::JobResult result = runner::run_job(
        header, items, *provider, transport.get(), ro,
        [&labels](const std::string& answer) { return validate_answer(answer, labels); });

    std::size_t written = write_samples(options, plan, result.records, provider->model());
    return runner::finish_run(ro, result.summary, options.out, written, plan.items.size());
}

}  // namespace synthmod::generator
