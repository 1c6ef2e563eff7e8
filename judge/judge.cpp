#include "judge/judge.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "common/errors.h"
#include "common/jsonl.h"
#include "common/llm/estimate.h"
#include "common/llm/http.h"
#include "common/llm/journal.h"
#include "common/llm/offline.h"
#include "common/llm/pricing.h"
#include "common/output_file.h"
#include "common/signals.h"
#include "common/spec.h"

namespace synthmod::judge {

namespace {

/// Output tokens of the shortest grade expected with a rationale (a label, a score, a few
/// words): the dry run's prior for the low end when no journal of this spec exists.
constexpr std::int64_t kPriorAnswerTokens = 16;

/// The judge settings after flags override the spec.
struct Settings {
    std::string provider;
    std::string model;
    std::string base_url;
    bool blind = true;
    bool rationale = false;  ///< the answer carries a rationale
    int concurrency = 16;
    int rows_per_request = 1;  ///< rows graded in one request (issue 15)
    int max_tokens = 400;
    std::optional<double> temperature;
    std::string format;
};

Settings resolve(const Options& o, const spec::Spec& spec) {
    const runner::CommonFlags& f = o.run;
    Settings s;
    s.provider = f.provider.empty() ? spec.judge.provider : f.provider;
    if (s.provider != "anthropic" && s.provider != "openai" && s.provider != "offline")
        throw UsageError("--provider must be anthropic, openai or offline (got \"" + s.provider +
                         "\")");
    bool same_provider = s.provider == spec.judge.provider;
    if (s.provider == "offline") {
        s.model = "offline";  // DESIGN section 7: every offline output names its model offline
    } else if (!f.model.empty()) {
        s.model = f.model;
    } else if (same_provider && !spec.judge.model.empty()) {
        s.model = spec.judge.model;
    } else {
        throw UsageError("--model is required: the spec's [judge] model is for provider \"" +
                         spec.judge.provider + "\", not \"" + s.provider + "\"");
    }
    s.base_url = !f.base_url.empty() ? f.base_url : (same_provider ? spec.judge.base_url : "");
    s.blind = o.no_blind ? false : spec.judge.blind;
    s.rationale = o.rationale ? true : o.no_rationale ? false : spec.judge.rationale;
    s.concurrency = f.concurrency.value_or(spec.judge.concurrency);
    s.rows_per_request = f.rows_per_request.value_or(spec.judge.rows_per_request);
    s.max_tokens = spec.judge.max_tokens;
    s.temperature = spec.judge.temperature;
    s.format = runner::output_format(f, o.out_path);
    if (o.in_path.empty()) throw UsageError("--in is required");
    if (o.out_path.empty()) throw UsageError("--out must not be empty");
    return s;
}

/// The input table and where its columns are.
struct Input {
    csv::Table table;
    std::size_t content = 0;
    std::size_t label = 0;
    std::vector<std::size_t> kept;  ///< input columns written to the output, in order
    /// The rows this run judges and writes, in input order: all of them, or --shard's part.
    std::vector<std::size_t> rows;
};

/// A row the model refused to write (samples.csv's label "refused" with no content, DESIGN
/// section 12): there is nothing to judge; it is written as not judged, never sent.
bool generator_refusal(const std::vector<std::string>& row, const Input& in) {
    return row[in.label] == "refused" && row[in.content].empty();
}

Input read_input(const Options& o, const spec::Spec& spec) {
    Input in;
    // Any labelled dataset as it comes (issue 17): CSV, TSV, JSON Lines, gzip; the text and label
    // columns by name; the label values through the map. The output keeps the input's columns.
    input::Flags flags = o.input;
    flags.allow_unknown = o.allow_unknown_labels;
    const records::Mapping mapping = input::mapping(flags, &spec);
    in.table = records::read_table(
        {o.in_path, mapping.format, mapping.columns},
        {{mapping.text_column, "--text-column"}, {mapping.label_column, "--label-column"}});
    in.content = static_cast<std::size_t>(in.table.column(mapping.text_column));
    in.label = static_cast<std::size_t>(in.table.column(mapping.label_column));
    records::LabelMapper labels(mapping);
    for (std::size_t i = 0; labels.active() && i < in.table.rows.size(); ++i)
        labels.map(in.table.rows[i][in.label], in.table.name, in.table.lines[i]);
    labels.check();
    if (!o.allow_unknown_labels) {
        for (std::size_t i = 0; i < in.table.rows.size(); ++i) {
            const std::string& label = in.table.rows[i][in.label];
            if (spec.label_index(label) < 0 && !generator_refusal(in.table.rows[i], in))
                throw InputError(in.table.name, in.table.lines[i],
                                 "label \"" + label +
                                     "\" is not in the spec's labels (--allow-unknown-labels "
                                     "judges such rows anyway)");
        }
    }
    // --shard I/N: a row belongs to a shard by its stable id (the id column, else its 0-based
    // index), so the shards' outputs together are the unsharded run's rows.
    const int id_column = in.table.column("id");
    for (std::size_t i = 0; i < in.table.rows.size(); ++i) {
        std::string key;
        if (id_column >= 0) key = in.table.rows[i][static_cast<std::size_t>(id_column)];
        if (key.empty()) key = std::to_string(i);
        if (o.run.shard.holds(key)) in.rows.push_back(i);
    }
    // Judge columns already present (a judged file judged again) are replaced, not doubled.
    const auto& ours = judge_columns(true);
    std::vector<std::string> replaced;
    for (std::size_t c = 0; c < in.table.header.size(); ++c) {
        if (std::find(ours.begin(), ours.end(), in.table.header[c]) == ours.end())
            in.kept.push_back(c);
        else
            replaced.push_back(in.table.header[c]);
    }
    if (!replaced.empty() && !o.run.quiet) {
        std::string list;
        for (const auto& r : replaced) list += (list.empty() ? "" : ", ") + r;
        std::cerr << "synthmod-judge: note: the input's judge columns (" << printable(list)
                  << ") are replaced by this run's\n";
    }
    return in;
}

std::string format_share(double x) {
    std::ostringstream out;
    out << std::setprecision(4) << x;
    return out.str();
}

/// --dry-run: what the run would send and roughly cost; nothing is sent or written.
/// The dry run's prior for the low end of one answer's output: kPriorAnswerTokens with a
/// rationale; without one, the shortest valid answer itself (the shortest label, realism 1, no
/// issues, "agree" when not blind) at the runner's 4 bytes a token, rounded down.
std::int64_t prior_answer_tokens(const Settings& s, const spec::Spec& spec) {
    if (s.rationale) return kPriorAnswerTokens;
    std::size_t shortest = spec.labels.empty() ? 0 : spec.labels.front().name.size();
    for (const auto& l : spec.labels) shortest = std::min(shortest, l.name.size());
    std::size_t bytes = std::string(R"({"label":"","realism":1,"issues":[]})").size() + shortest;
    if (!s.blind) bytes += std::string(R"("verdict":"agree",)").size();
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(bytes / 4));
}

void print_plan(const Options& o, const Settings& s, const spec::Spec& spec, const Input& in,
                const Rubric& rubric, const std::vector<runner::Item>& items) {
    std::ostream& out = std::cout;
    out << "synthmod-judge plan (dry run: nothing sent, nothing written)\n";
    out << "  judge: provider " << s.provider << ", model " << s.model
        << (s.blind ? ", blind" : ", shown our label") << (o.run.batch ? ", message batches" : "")
        << "\n";
    if (!o.run.shard.whole())
        out << "  shard " << o.run.shard.str() << ": " << in.rows.size() << " of "
            << in.table.rows.size() << " rows (chosen by id); the figures below are this shard's\n";
    out << "  rows: " << in.rows.size() << "  votes per row: " << o.votes
        << "  requests: " << items.size() << "\n";
    // Requests per (our) label, spec order first, then labels the spec does not know.
    std::vector<std::string> order;
    for (const auto& l : spec.labels) order.push_back(l.name);
    std::map<std::string, std::size_t> rows_per_label;
    for (std::size_t i : in.rows) {
        const std::string& l = in.table.rows[i][in.label];
        if (rows_per_label[l]++ == 0 && std::find(order.begin(), order.end(), l) == order.end())
            order.push_back(l);
    }
    for (const auto& l : order) {
        std::size_t n = rows_per_label.count(l) ? rows_per_label[l] : 0;
        out << "    " << printable(l) << ": " << n << " rows, " << n * o.votes << " requests\n";
    }
    estimate::Tokens tokens;  // per request as sent: K rows share one prefix (issue 15)
    runner::for_each_request(items, [&tokens](const llm::Prompt& p) { tokens.add(p); });
    if (s.rows_per_request > 1)
        out << "  rows per request: " << s.rows_per_request << " (" << tokens.requests
            << " requests of the plan's " << items.size() << " answers)\n";
    const std::string journal = runner::journal_path("synthmod-judge", o.out_path);
    const estimate::OutputRange output =
        estimate::output_range(tokens,
                               estimate::journal_output_tokens(
                                   journal, "synthmod-judge", journal::hash_hex(spec.source_text),
                                   [&rubric](const std::string& answer) {
                                       return rubric.same_shape(answer);
                                   }),
                               prior_answer_tokens(s, spec),
                               s.rationale ? "a label, a score and a few words of reason"
                                           : "the shortest answer: a label, a score, no issues");
    const bool offline = s.provider == "offline";
    estimate::print_cost(out, "  ", s.model, tokens, output,
                         offline ? std::nullopt : estimate::find_price(s.model, o.run.pricing),
                         offline, o.run.batch);
}

Vote vote_of(const std::map<std::string, journal::Record>& records, const std::string& id,
             const Rubric& rubric) {
    Vote v;
    auto it = records.find(id);
    if (it == records.end()) return v;  // kNotRun
    const journal::Record& r = it->second;
    if (r.status == "ok") {
        try {
            v.grade = rubric.parse(r.answer_json);
            v.status = Vote::Status::kOk;
        } catch (const Error& e) {
            v.status = Vote::Status::kFailed;
            v.error = e.what();
        }
    } else if (r.status == "refused") {
        v.status = Vote::Status::kRefused;
    } else {
        v.status = Vote::Status::kFailed;
        v.error = r.error.empty() ? "failed" : r.error;
    }
    return v;
}

std::string not_run_reason(runner::Stop stop) {
    switch (stop) {
        case runner::Stop::kBudget:
            return "not judged: budget reached (rerun with a higher --max-cost to resume)";
        case runner::Stop::kInterrupted:
            return "not judged: interrupted (rerun the same command to resume)";
        case runner::Stop::kFatal:
            return "not judged: the run stopped on a provider error";
        case runner::Stop::kCompleted:
            break;
    }
    return "not judged";
}

/// judge_cost_usd of one row: what its votes' requests cost ("" if a price is unknown).
std::string row_cost(const std::map<std::string, journal::Record>& records,
                     const std::string& content, std::size_t row, int votes,
                     const std::string& judge_model, bool blind) {
    double usd = 0;
    bool known = true;
    for (int k = 0; k < votes; ++k) {
        auto it = records.find(item_id(content, row, k, judge_model, blind));
        if (it == records.end()) continue;
        usd += it->second.cost;
        known = known && it->second.cost_known;
    }
    return pricing::cost_cell(usd, known);
}

void write_output(const Options& o, const Settings& s, const spec::Spec& spec, const Input& in,
                  const Rubric& rubric, const std::string& judge_model,
                  const std::map<std::string, journal::Record>& records, runner::Stop stop) {
    const bool with_votes = o.votes > 1;
    std::vector<std::string> header;
    for (auto c : in.kept) header.push_back(in.table.header[c]);
    for (const auto& c : judge_columns(with_votes)) header.push_back(c);
    std::vector<std::string> label_order;
    for (const auto& l : spec.labels) label_order.push_back(l.name);
    const std::string reason = not_run_reason(stop);

    OutputFile file(o.out_path);
    std::ostream& stream = file.stream();
    csv::Writer writer(stream, o.run.csv_safe);
    if (s.format == "csv") writer.write_row(header);
    std::vector<std::string> fields;
    for (std::size_t i : in.rows) {
        const auto& row = in.table.rows[i];
        std::vector<Vote> votes;
        for (int k = 0; k < o.votes; ++k)
            votes.push_back(
                vote_of(records, item_id(row[in.content], i, k, judge_model, s.blind), rubric));
        RowVerdict v = combine(
            votes, label_order, row[in.label], s.blind,
            generator_refusal(row, in) ? "not judged: the generator refused this row" : reason);
        fields.clear();
        for (auto c : in.kept) fields.push_back(row[c]);
        fields.push_back(v.judge_label);
        fields.push_back(v.label_correct ? "true" : "false");
        fields.push_back(v.realism > 0 ? std::to_string(v.realism) : "");
        std::string issues;
        for (const auto& t : v.issues) issues += (issues.empty() ? "" : ";") + t;
        fields.push_back(issues);
        fields.push_back(v.rationale);
        fields.push_back(judge_model);
        fields.push_back(v.status);
        fields.push_back(row_cost(records, row[in.content], i, o.votes, judge_model, s.blind));
        if (with_votes) {
            std::string joined;
            for (std::size_t k = 0; k < v.votes.size(); ++k) joined += (k ? ";" : "") + v.votes[k];
            fields.push_back(joined);
            fields.push_back(v.status == "ok" ? format_share(v.confidence) : "");
        }
        if (s.format == "csv")
            writer.write_row(fields);
        else
            stream << jsonl::object_line(
                          header, std::vector<std::string_view>(fields.begin(), fields.end()))
                   << "\n";
    }
    file.commit();
}

}  // namespace

const std::vector<std::string>& judge_columns(bool with_votes) {
    static const std::vector<std::string> kBase = {"judge_label",  "label_correct", "realism",
                                                   "issues",       "rationale",     "judge_model",
                                                   "judge_status", "judge_cost_usd"};
    static const std::vector<std::string> kWithVotes = [] {
        auto v = kBase;
        v.push_back("judge_votes");
        v.push_back("judge_confidence");
        return v;
    }();
    return with_votes ? kWithVotes : kBase;
}

std::string item_id(const std::string& content, std::size_t row, int vote,
                    const std::string& judge_model, bool blind) {
    std::string key = "judge\x1f" + judge_model + "\x1f" + (blind ? "blind" : "shown") + "\x1f" +
                      std::to_string(row) + "\x1f" + std::to_string(vote) + "\x1f" + content;
    return journal::hash_hex(key);
}

int run(const Options& o) {
    spec::Spec spec = spec::load(o.spec_path);
    Settings s = resolve(o, spec);
    Input in = read_input(o, spec);
    Rubric rubric(spec.labels, s.blind, spec.judge.system, s.rationale);

    std::unique_ptr<llm::Provider> provider;
    if (s.provider == "offline") {
        provider = llm::make_offline_provider(s.model);
    } else if (!o.run.dry_run) {
        llm::ProviderConfig config;
        config.provider = s.provider;
        config.model = s.model;
        config.base_url = s.base_url;
        config.native_structured_output = o.run.native_json;
        provider = llm::make_provider(config);
        if (o.run.batch && !provider->supports_batches())
            throw UsageError("--batch needs a provider with message batches (anthropic)");
    }
    const std::string judge_model = provider ? provider->model() : s.model;

    // The plan: rows x votes requests, ids stable across runs so a rerun resumes.
    std::vector<runner::Item> items;
    items.reserve(in.rows.size() * static_cast<std::size_t>(o.votes));
    // The plan's key: what every request asks (this prefix), then the items' ids.
    auto plan_prefix = [&](const Rubric& r) {
        return s.provider + "\x1f" + judge_model + "\x1f" + r.system_prompt() + "\x1f" +
               r.schema_json() + "\x1f" + std::to_string(s.max_tokens);
    };
    std::string plan_key = plan_prefix(rubric);
    const std::size_t prefix_size = plan_key.size();
    for (std::size_t i : in.rows) {
        const auto& row = in.table.rows[i];
        if (generator_refusal(row, in)) continue;
        llm::Prompt prompt =
            rubric.prompt(row[in.content], row[in.label], s.max_tokens, s.temperature);
        if (s.provider != "offline") prompt.vars.clear();  // only the offline judge reads them
        for (int k = 0; k < o.votes; ++k) {
            runner::Item item;
            item.id = item_id(row[in.content], i, k, judge_model, s.blind);
            item.prompt = prompt;
            // Rows of one vote round share a request; two votes on a row never do.
            item.rows_per_request = s.rows_per_request;
            item.group = "vote " + std::to_string(k);
            plan_key += "\x1e" + item.id;
            if (!s.blind) plan_key += "\x1f" + row[in.label];
            items.push_back(std::move(item));
        }
    }

    if (o.run.dry_run) {
        print_plan(o, s, spec, in, rubric, items);
        return static_cast<int>(ExitCode::kOk);
    }
    if (o.out_path != "-") check_writable(o.out_path);

    runner::Options ro = runner::make_options(o.run, "synthmod-judge", s.concurrency, o.out_path);
    // A K-row request lists its rows in an order drawn from the spec's seed and the rows' ids,
    // so a position in the request does not stick to a row (never 0: 0 keeps plan order).
    ro.shuffle_seed = static_cast<std::uint64_t>(spec.seed) * 2 + 1;
    std::unique_ptr<http::Transport> transport;
    if (provider->remote()) transport = http::make_curl_transport(ro.http);

    journal::Header header;
    header.tool = "synthmod-judge";
    header.spec_hash = journal::hash_hex(spec.source_text);
    header.plan_hash = journal::hash_hex(plan_key);
    {  // The same rows asked with the rationale setting flipped: say which flag resumes them.
        const std::string other =
            plan_prefix(Rubric(spec.labels, s.blind, spec.judge.system, !s.rationale));
        header.other_plans.emplace_back(
            journal::hash_hex({other, std::string_view(plan_key).substr(prefix_size)}),
            s.rationale ? "a run that asked for no rationale (the default, or --no-rationale): "
                          "ask for none again to resume it"
                        : "a run that asked for a rationale (--rationale, or the spec's [judge] "
                          "rationale = true): ask for one again to resume it");
    }

    runner::JobResult result =
        runner::run_job(header, items, *provider, transport.get(), ro,
                        [&rubric](const runner::Item&, const std::string& answer) {
                            return rubric.validate(answer);
                        });

    // The output is rebuilt from the journal at the end of every run, stopped ones included.
    write_output(o, s, spec, in, rubric, judge_model, result.records, result.summary.stop);
    return runner::finish_run(ro, result.summary, o.out_path, in.rows.size(), in.rows.size());
}

}  // namespace synthmod::judge
