#include "generator/generate.h"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string_view>

#include "common/csv.h"
#include "common/errors.h"
#include "common/jsonl.h"
#include "common/llm/estimate.h"
#include "common/llm/http.h"
#include "common/llm/journal.h"
#include "common/llm/json_util.h"
#include "common/llm/offline.h"
#include "common/llm/pricing.h"
#include "common/llm/runner.h"
#include "common/output_file.h"
#include "common/signals.h"
#include "generator/personas.h"
#include "generator/prompts.h"
#include "generator/top_up.h"

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

/// What the plan hash is taken over: the provider, the model, then one line per item (id and
/// a hash of its prompt). `ends[n]` is where the first n items' lines end, so the hash of any
/// prefix of the plan is at hand (a larger --rows extends the journalled plan).
struct PlanKey {
    std::string text;
    std::vector<std::size_t> ends;
    std::string hash(std::size_t n) const { return journal::hash_hex(text.substr(0, ends.at(n))); }
};

PlanKey plan_key(const std::vector<runner::Item>& items, const llm::Provider& provider) {
    PlanKey key;
    key.text = provider.name() + "\n" + provider.model() + "\n";
    key.ends.reserve(items.size() + 1);
    key.ends.push_back(key.text.size());
    // Items share their system prompt (one SharedText per run): its part of the hash is
    // computed once and the state copied for each item.
    journal::StreamHash after_system, item_hash;
    const std::string* system = nullptr;
    std::string params;  // the line's tail, the same for every item of a run
    int max_tokens = 0;
    std::optional<double> temperature;
    for (const auto& item : items) {
        const llm::Prompt& p = item.prompt;
        if (&p.system.str() != system) {
            system = &p.system.str();
            after_system = journal::StreamHash();
            after_system.update(*system).update("\x1f");
        }
        item_hash = after_system;
        item_hash.update(p.user).update("\x1f").update(p.schema_json.str());
        if (params.empty() || p.max_tokens != max_tokens || p.temperature != temperature) {
            max_tokens = p.max_tokens;
            temperature = p.temperature;
            params = "\x1f" + std::to_string(p.max_tokens) + "\x1f" +
                     (p.temperature ? std::to_string(*p.temperature) : "-") + "\n";
        }
        key.text += item.id;
        key.text += '\x1f';
        key.text += item_hash.hex();
        key.text += params;
        key.ends.push_back(key.text.size());
    }
    return key;
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

    estimate::Tokens tokens;  // per request as sent: K items share one prefix (issue 15)
    runner::for_each_request(items, [&tokens](const llm::Prompt& p) { tokens.add(p); });
    if (tokens.requests != tokens.items) {
        out << "rows per request:";
        for (const auto& v : variants)
            out << " " << v.name << " "
                << v.rows_per_request.value_or(spec.generator.rows_per_request);
        out << " (" << tokens.requests << " requests for the " << tokens.items << " rows)\n";
    }
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

/// The label of a row the model refused to write (DESIGN section 12): the row is kept, with
/// empty content, so that every planned row is accounted for.
const char* const kRefusedLabel = "refused";

/// The content and label of an "ok" record, as views into `local`'s DOM: false when the
/// answer is not an object with both as strings (the runner validated it; a journal edited by
/// hand since is not trusted further).
bool parse_cells(const std::string& answer_json, llm::json::LocalDocument& local,
                 std::string_view& content, std::string_view& label) {
    rapidjson::Document& doc = local.doc();
    local.parse_plain<rapidjson::kParseDefaultFlags>(answer_json);
    if (doc.HasParseError() || !doc.IsObject()) return false;
    // Each member looked up once (HasMember and operator[] would look twice).
    const auto c = doc.FindMember("content");
    const auto l = doc.FindMember("label");
    if (c == doc.MemberEnd() || !c->value.IsString() || l == doc.MemberEnd() ||
        !l->value.IsString())
        return false;
    content = {c->value.GetString(), c->value.GetStringLength()};
    label = {l->value.GetString(), l->value.GetStringLength()};
    return true;
}

/// Writes the finished rows (ok and refused) in plan order; returns how many. `cells[i]` holds
/// what validation kept of plan item i's answer when it was accepted in this run; the answers
/// of earlier runs are parsed from their records.
std::size_t write_samples(const Options& options, const Plan& plan,
                          const std::map<std::string, journal::Record>& records,
                          const std::vector<AnswerCells>& cells,
                          const std::vector<spec::Label>& labels, const std::string& model) {
    OutputFile file(options.out);
    std::ostream& out = file.stream();
    csv::Writer writer(out, options.run.csv_safe);
    bool jsonl = runner::output_format(options.run, options.out) == "jsonl";
    if (!jsonl) writer.write_row(kColumns);
    std::size_t written = 0;
    for (std::size_t i = 0; i < plan.items.size(); ++i) {
        const PlanItem& item = plan.items[i];
        auto it = records.find(item.id);
        if (it == records.end()) continue;
        // Views into the kept cells or the answer's DOM (alive for this row) and the plan item:
        // the CSV row is written without copying its cells.
        llm::json::LocalDocument local;
        std::string_view content, label;
        if (it->second.status == "refused") {
            label = kRefusedLabel;
        } else if (it->second.status == "ok") {
            if (cells[i].set) {
                content = cells[i].content;
                label = labels[cells[i].label].name;
            } else if (!parse_cells(it->second.answer_json, local, content, label)) {
                continue;
            }
        } else {
            continue;  // failed: listed in <out>.failed.csv
        }
        const std::string cost = pricing::cost_cell(it->second.cost, it->second.cost_known);
        // One row for both formats: kColumns' order is written once.
        const std::vector<std::string_view> row = {content,           label,        item.id,
                                                   item.target_label, item.variant, item.context,
                                                   item.persona,      model,        cost};
        if (jsonl)
            out << jsonl::object_line(kColumns, row) << "\n";
        else
            writer.write_row(row);
        ++written;
    }
    file.commit();
    return written;
}

/// "<out>.failed.csv" ("synthmod-generate.failed.csv" when writing to stdout).
std::string failed_path(const std::string& out) {
    return (out == "-" ? std::string("synthmod-generate") : out) + ".failed.csv";
}

/// Lists the rows journalled as failed (they spent their retries) with their reason, so a user
/// sees what the next run of the same command will ask again; removes an older list when no
/// row failed. `failed_rows`: the run's count of them (Summary::failed, over the whole plan),
/// so that a run without any does not look each row up. Returns how many rows it lists.
std::size_t write_failed(const Options& options, const Plan& plan,
                         const std::map<std::string, journal::Record>& records,
                         std::size_t failed_rows) {
    const std::string path = failed_path(options.out);
    std::vector<std::pair<const PlanItem*, const journal::Record*>> failed;
    if (failed_rows > 0) {  // a run without failed rows looks none up
        for (const auto& item : plan.items) {
            auto it = records.find(item.id);
            if (it != records.end() && it->second.status == "failed")
                failed.emplace_back(&item, &it->second);
        }
    }
    if (failed.empty()) {
        std::remove(path.c_str());
        return 0;
    }
    OutputFile file(path);
    csv::Writer writer(file.stream(), options.run.csv_safe);
    writer.write_row(
        std::vector<std::string>{"id", "target_label", "variant", "persona", "context", "reason"});
    for (const auto& [item, record] : failed)
        writer.write_row(std::vector<std::string>{
            item->id, item->target_label, item->variant, item->persona, item->context,
            record->error.empty() ? record->reason : record->error});
    file.commit();
    return failed.size();
}

/// What a run leaves for the process's exit to free: the OS takes a process's memory and sockets
/// back at once, where destroying these (every record's node and strings, every item's prompt,
/// every connection and handle) was ~1.6M instructions at 2,000 rows (callgrind), ~0.8k per
/// row, after the last output was written. Filled only on the normal path, once every output
/// is complete, committed (fsynced) and closed and the journal closed (run_job closes it
/// before it returns). Kept reachable from a static pointer, so leak checkers
/// (SYNTHMOD_SANITIZE's LeakSanitizer) do not report it; a second run in the same process
/// frees the first one's.
struct LeftToExit {
    std::map<std::string, journal::Record> records;
    std::vector<runner::Item> items;
    std::vector<AnswerCells> cells;
    Plan plan;
    std::unique_ptr<http::Transport> transport;  ///< last: its handles outlive nothing above
};

void leave_to_exit(LeftToExit&& left) {
    static LeftToExit* kept = nullptr;
    delete kept;
    kept = new LeftToExit(std::move(left));
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

spec::Spec effective_spec(const Options& options) {
    spec::Spec spec = spec::load(options.spec_path);
    if (options.rows) spec.rows = *options.rows;
    if (!options.run.provider.empty()) spec.generator.provider = options.run.provider;
    if (!options.run.model.empty()) spec.generator.model = options.run.model;
    if (!options.run.base_url.empty()) spec.generator.base_url = options.run.base_url;
    if (options.run.concurrency) spec.generator.concurrency = *options.run.concurrency;
    if (options.run.rows_per_request) {
        spec.generator.rows_per_request = *options.run.rows_per_request;
        for (auto& v : spec.generator.variants) v.rows_per_request.reset();
    }
    if (spec.generator.contexts.empty()) spec.generator.contexts = kDefaultContexts;
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

/// --top-up: the plan request asks for each label's shortfall in the stats run named, drawn after
/// that run's own groups. Returns false when no label falls short (nothing to ask).
bool apply_top_up(const Options& options, PlanRequest& request) {
    TopUp top = read_top_up(options.top_up, request.labels);
    // The run topped up is drawn first (and left out): its rows are the quota's `asked`.
    if (!options.rows && top.base_rows > 0) request.rows = top.base_rows;
    const std::size_t nv = request.variants.size();
    std::size_t total = 0;
    request.top_up_groups.assign(request.labels.size(), 0);
    for (std::size_t l = 0; l < request.labels.size(); ++l) {
        request.top_up_groups[l] = (top.rows[l] + nv - 1) / nv;
        total += request.top_up_groups[l] * nv;
    }
    request.id_tag = "top-up " + top.round_key;
    if (!options.run.quiet) {
        for (const auto& note : top.notes)
            std::cerr << "synthmod-generate: top-up: " << printable(note) << "\n";
        std::cerr << "synthmod-generate: top-up " << top.round_key << " of "
                  << printable(options.top_up) << ": " << total << " rows";
        for (std::size_t l = 0; l < request.labels.size(); ++l)
            if (request.top_up_groups[l])
                std::cerr << "; " << printable(request.labels[l]) << " "
                          << request.top_up_groups[l] * nv << " (yield " << top.yields[l] << ")";
        std::cerr << "\n";
    }
    if (total == 0 && !options.run.quiet)
        std::cerr << "synthmod-generate: nothing to top up: no label has a shortfall\n";
    return total > 0;
}

/// One runner item per plan item, its prompt built from its variant's template. Items of one
/// variant share system prompt and schema: up to its rows_per_request go in one request.
std::vector<runner::Item> make_items(const spec::Spec& spec, const Plan& plan,
                                     const std::vector<spec::Variant>& variants,
                                     const PromptBuilder& prompts) {
    std::map<std::string, const spec::Variant*> by_name;
    for (const auto& v : variants) by_name[v.name] = &v;
    std::vector<runner::Item> items;
    items.reserve(plan.items.size());
    const bool offline = spec.generator.provider == "offline";
    for (const auto& item : plan.items) {
        const spec::Variant& variant = *by_name.at(item.variant);
        // Only the offline provider reads the prompt's vars.
        items.push_back({item.id, prompts.build(variant, item, offline)});
        runner::Item& back = items.back();
        back.rows_per_request = variant.rows_per_request.value_or(spec.generator.rows_per_request);
        back.group = variant.name;
    }
    return items;
}

/// After the outputs are written: where the failed rows are listed, and a note when --format and
/// the output's name disagree.
void print_output_notes(const Options& options, std::size_t failed) {
    if (options.run.quiet) return;
    if (failed)
        std::cerr << "synthmod-generate: " << failed << " failed row"
                  << (failed == 1 ? " is" : "s are") << " listed in "
                  << printable(failed_path(options.out)) << "; the same command asks them again\n";
    const std::string format = runner::output_format(options.run, options.out);
    const bool named_jsonl = ends_with(options.out, ".jsonl");
    if (options.out != "-" && (named_jsonl != (format == "jsonl")))
        std::cerr << "synthmod-generate: note: " << printable(options.out) << " is written as "
                  << (format == "jsonl" ? "JSON Lines" : "CSV") << " (--format " << format
                  << "), whatever its name says\n";
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

    if (!options.top_up.empty() && !apply_top_up(options, request)) return 0;
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
    const PromptBuilder prompts(spec, system, schema);
    std::vector<runner::Item> items = make_items(spec, plan, variants, prompts);

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
    ro.retry_refused = options.retry_refused;

    std::unique_ptr<http::Transport> transport;
    if (provider->remote()) transport = http::make_curl_transport(ro.http);

    journal::Header header;
    header.tool = "synthmod-generate";
    header.spec_hash = journal::hash_hex(spec.source_text);
    const PlanKey key = plan_key(items, *provider);
    header.plan_hash = key.hash(items.size());
    header.plan_items = items.size();
    header.plan_prefix_hash = [&key](std::size_t n) { return key.hash(n); };

    const std::vector<spec::Label> labels = spec.labels;
    // What validation keeps of each accepted answer, by plan position (items are in plan
    // order): samples.csv is then written without parsing this run's answers again.
    std::vector<AnswerCells> cells(items.size());
    const auto validate = [&](const runner::Item& item, const std::string& answer) {
        const std::size_t i = static_cast<std::size_t>(&item - items.data());
        return validate_answer(answer, labels, i < cells.size() ? &cells[i] : nullptr);
    };
    runner::JobResult result =
        runner::run_job(header, items, *provider, transport.get(), ro, validate);

    std::size_t written =
        write_samples(options, plan, result.records, cells, labels, provider->model());
    std::size_t failed = write_failed(options, plan, result.records, result.summary.failed);
    print_output_notes(options, failed);
    const int code =
        runner::finish_run(ro, result.summary, options.out, written, plan.items.size());
    leave_to_exit({std::move(result.records), std::move(items), std::move(cells), std::move(plan),
                   std::move(transport)});
    return code;
}

}  // namespace synthmod::generator
