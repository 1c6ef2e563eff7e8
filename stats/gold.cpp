#include "stats/gold.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <utility>

#include "common/csv.h"
#include "common/errors.h"
#include "common/output_file.h"
#include "common/text.h"

namespace synthmod::gold {

namespace {

std::string quoted(std::string_view s) {
    return "\"" + printable(std::string(s.substr(0, 80))) + "\"";
}

/// A positive finite weight from text; throws with `where`.
double parse_weight(const std::string& text, const std::string& where) {
    if (text.empty()) return 1.0;
    char* end = nullptr;
    double w = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(w) || w <= 0)
        throw InputError(where + ": weight " + quoted(text) + " is not a positive number");
    return w;
}

int parse_realism(const std::string& text, const std::string& where) {
    if (text.empty()) return 0;
    if (text.size() == 1 && text[0] >= '1' && text[0] <= '5') return text[0] - '0';
    throw InputError(where + ": human_realism " + quoted(text) + " is not 1-5");
}

std::vector<std::string> split_issues(const std::string& text) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, ';')) {
        part = text::trim(part);
        if (!part.empty()) out.push_back(part);
    }
    return out;
}

std::vector<Reviewer> parse_csv(std::string_view text, const std::string& name) {
    std::istringstream in{std::string(text)};
    csv::Table t = csv::read_table(in, name, {"key", "human_label"});
    const int key = t.column("key"), label = t.column("human_label"),
              realism = t.column("human_realism"), issues = t.column("human_issues"),
              reviewer = t.column("reviewer"), note = t.column("note"), weight = t.column("weight");
    std::vector<Reviewer> out;
    std::map<std::string, std::size_t> by_name;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const auto& row = t.rows[r];
        const std::string where = name + ":" + std::to_string(t.lines[r]);
        Answer a;
        a.where = where;
        a.key = row[key];
        a.label = row[label];
        if (a.key.empty()) throw InputError(where + ": empty key");
        if (a.label.empty()) continue;  // an unanswered row
        if (realism >= 0) a.realism = parse_realism(row[realism], where);
        if (issues >= 0) a.issues = split_issues(row[issues]);
        if (note >= 0) a.note = row[note];
        if (weight >= 0) a.weight = parse_weight(row[weight], where);
        const std::string who = reviewer >= 0 && !row[reviewer].empty() ? row[reviewer] : name;
        auto [it, fresh] = by_name.emplace(who, out.size());
        if (fresh) out.push_back({who, {}});
        out[it->second].answers.push_back(std::move(a));
    }
    return out;
}

std::string json_text(const rapidjson::Value& v) {
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsUint64()) return std::to_string(v.GetUint64());
    if (v.IsDouble()) {
        std::ostringstream s;
        s.precision(17);
        s << v.GetDouble();
        return s.str();
    }
    return "";
}

/// The export parsed; not JSON is `name:line: ...`.
void parse_json(std::string_view text, const std::string& name, rapidjson::Document& d) {
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (!d.HasParseError()) return;
    std::size_t line =
        1 + static_cast<std::size_t>(std::count(
                text.begin(),
                text.begin() + static_cast<long>(std::min(d.GetErrorOffset(), text.size())), '\n'));
    throw InputError(name, line, "not valid JSON (a Label Studio export is a JSON array)");
}

/// One task's row key and inclusion weight (`data.key`, `data.weight`).
std::pair<std::string, double> task_key_weight(const rapidjson::Value& task,
                                               const std::string& task_at) {
    if (!task.IsObject() || !task.HasMember("data") || !task["data"].IsObject())
        throw InputError(task_at + ": a task needs a \"data\" object");
    const auto& data = task["data"];
    if (!data.HasMember("key") || json_text(data["key"]).empty())
        throw InputError(task_at +
                         ".data.key: missing (tasks come from --review-format "
                         "label-studio, which sets it)");
    double weight = 1;
    if (data.HasMember("weight")) {
        const auto& w = data["weight"];
        weight =
            w.IsNumber() ? w.GetDouble() : parse_weight(json_text(w), task_at + ".data.weight");
        if (!(std::isfinite(weight) && weight > 0))
            throw InputError(task_at + ".data.weight: not a positive number");
    }
    return {json_text(data["key"]), weight};
}

/// Who answered: `completed_by`'s email, else its id.
std::string annotator(const rapidjson::Value& ann) {
    if (!ann.HasMember("completed_by")) return "annotator";
    const auto& c = ann["completed_by"];
    if (!c.IsObject()) return "annotator " + json_text(c);
    if (c.HasMember("email") && c["email"].IsString()) return c["email"].GetString();
    if (c.HasMember("id")) return "annotator " + json_text(c["id"]);
    return "annotator";
}

/// One item of an annotation's `result` (label, realism, issues or note) into `a`.
void read_result(const rapidjson::Value& r, const std::string& rat, Answer& a) {
    if (!r.IsObject() || !r.HasMember("from_name") || !r["from_name"].IsString() ||
        !r.HasMember("value") || !r["value"].IsObject())
        throw InputError(rat + ": needs from_name and a value object");
    const std::string from = r["from_name"].GetString();
    const auto& v = r["value"];
    auto strings = [&](const char* field) {
        std::vector<std::string> list;
        if (!v.HasMember(field) || !v[field].IsArray())
            throw InputError(rat + ".value." + field + ": missing or not an array");
        for (const auto& s : v[field].GetArray()) {
            if (!s.IsString()) throw InputError(rat + ".value." + field + ": not a string");
            list.emplace_back(s.GetString(), s.GetStringLength());
        }
        return list;
    };
    if (from == "label") {
        auto choices = strings("choices");
        if (choices.size() != 1)
            throw InputError(rat + ".value.choices: expected one label, found " +
                             std::to_string(choices.size()));
        a.label = choices[0];
    } else if (from == "realism") {
        if (!v.HasMember("rating") || !v["rating"].IsInt() || v["rating"].GetInt() < 1 ||
            v["rating"].GetInt() > 5)
            throw InputError(rat + ".value.rating: not 1-5");
        a.realism = v["rating"].GetInt();
    } else if (from == "issues") {
        a.issues = strings("choices");
    } else if (from == "note") {
        for (const auto& s : strings("text")) a.note += (a.note.empty() ? "" : "\n") + s;
    }
}

/// The answer of one annotation; none when it was cancelled or gives no label.
std::optional<Answer> read_annotation(const rapidjson::Value& ann, const std::string& at,
                                      const std::pair<std::string, double>& key_weight) {
    if (!ann.IsObject()) throw InputError(at + ": not an object");
    if (ann.HasMember("was_cancelled") && ann["was_cancelled"].IsBool() &&
        ann["was_cancelled"].GetBool())
        return std::nullopt;
    Answer a;
    a.key = key_weight.first;
    a.weight = key_weight.second;
    a.where = at;
    if (!ann.HasMember("result") || !ann["result"].IsArray())
        throw InputError(at + ".result: missing or not an array");
    const auto& result = ann["result"];
    for (rapidjson::SizeType k = 0; k < result.Size(); ++k)
        read_result(result[k], at + ".result[" + std::to_string(k) + "]", a);
    if (a.label.empty()) return std::nullopt;  // skipped by the annotator
    return a;
}

std::vector<Reviewer> parse_label_studio(std::string_view text, const std::string& name) {
    rapidjson::Document d;
    parse_json(text, name, d);
    if (!d.IsArray()) throw InputError(name + ": a Label Studio export is a JSON array of tasks");
    std::vector<Reviewer> out;
    std::map<std::string, std::size_t> by_name;
    for (rapidjson::SizeType i = 0; i < d.Size(); ++i) {
        const std::string task_at = name + ": [" + std::to_string(i) + "]";
        const auto& task = d[i];
        const auto key_weight = task_key_weight(task, task_at);
        if (!task.HasMember("annotations")) continue;
        if (!task["annotations"].IsArray())
            throw InputError(task_at + ".annotations: not an array");
        const auto& annotations = task["annotations"];
        for (rapidjson::SizeType j = 0; j < annotations.Size(); ++j) {
            const std::string at = task_at + ".annotations[" + std::to_string(j) + "]";
            auto a = read_annotation(annotations[j], at, key_weight);
            if (!a) continue;
            auto [it, fresh] = by_name.emplace(annotator(annotations[j]), out.size());
            if (fresh) out.push_back({it->first, {}});
            out[it->second].answers.push_back(std::move(*a));
        }
    }
    return out;
}

}  // namespace

std::vector<Reviewer> parse_gold(std::string_view text, const std::string& name) {
    std::size_t at = 0;
    if (text.substr(0, 3) == "\xef\xbb\xbf") at = 3;
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    if (at == text.size()) throw InputError(name, 1, "empty file");
    if (text[at] != '[') return parse_csv(text, name);  // read_table checks UTF-8 by line
    std::size_t bad = 0;
    if (!text::is_valid_utf8(text, &bad))
        throw InputError(name,
                         1 + static_cast<std::size_t>(std::count(
                                 text.begin(), text.begin() + static_cast<long>(bad), '\n')),
                         "invalid UTF-8");
    return parse_label_studio(text, name);
}

std::vector<Reviewer> read_gold(const std::string& path) {
    return parse_gold(read_file(path), path);
}

std::vector<RowFacts> row_facts(const metrics::Dataset& data) {
    const auto it = std::find(data.header.begin(), data.header.end(), "id");
    const int id = it == data.header.end() ? -1 : static_cast<int>(it - data.header.begin());
    std::vector<RowFacts> out(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        auto& f = out[i];
        f.key = id >= 0 ? std::string(data.field(i, id)) : std::to_string(i);
        f.label = std::string(data.label_of(i));
        f.judged_ok = data.has_judge() && data.judge[i] == metrics::JudgeStatus::kOk;
        if (f.judged_ok && data.judge_label >= 0)
            f.judge_label = std::string(data.field(i, data.judge_label));
        f.label_correct = f.judged_ok && data.correct[i];
    }
    return out;
}

metrics::Interval wilson(double p, double n, double z) {
    if (!(n > 0)) return {0, 0};
    const double z2 = z * z;
    const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
    const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

std::size_t rows_for_half_width(double p, double half, double z) {
    auto width = [&](double n) {
        const double z2 = z * z;
        return z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    };
    std::size_t lo = 1, hi = 1;
    while (width(static_cast<double>(hi)) > half) hi *= 2;
    while (lo < hi) {  // the smallest n in [lo, hi] with width <= half
        std::size_t mid = lo + (hi - lo) / 2;
        if (width(static_cast<double>(mid)) <= half)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

std::optional<double> fleiss_kappa(const std::vector<std::vector<double>>& counts) {
    double units = 0, agree = 0, total = 0;
    std::vector<double> per_category;
    for (const auto& u : counts) {
        double n = 0, same = 0;
        for (double c : u) {
            n += c;
            same += c * (c - 1);
        }
        if (n < 2) continue;
        if (per_category.size() < u.size()) per_category.resize(u.size(), 0);
        for (std::size_t j = 0; j < u.size(); ++j) per_category[j] += u[j];
        total += n;
        agree += same / (n * (n - 1));
        units += 1;
    }
    if (units == 0) return std::nullopt;
    double chance = 0;
    for (double c : per_category) chance += (c / total) * (c / total);
    if (chance >= 1) return std::nullopt;
    return (agree / units - chance) / (1 - chance);
}

std::optional<double> krippendorff_alpha(const std::vector<std::vector<double>>& counts) {
    std::vector<double> n_c;
    double disagree = 0;  // sum over c != k of the coincidences o_ck
    for (const auto& u : counts) {
        double m = 0;
        for (double c : u) m += c;
        if (m < 2) continue;
        if (n_c.size() < u.size()) n_c.resize(u.size(), 0);
        double same = 0;
        for (std::size_t c = 0; c < u.size(); ++c) {
            n_c[c] += u[c];
            same += u[c] * (u[c] - 1);
        }
        disagree += (m * (m - 1) - same) / (m - 1);
    }
    double n = 0, sq = 0;
    for (double c : n_c) {
        n += c;
        sq += c * c;
    }
    const double expected = n * n - sq;  // sum over c != k of n_c n_k
    if (n < 2 || expected <= 0) return std::nullopt;
    return 1 - (n - 1) * disagree / expected;
}

namespace {

/// The answers matched to their rows, per row (keyed by row index, in row order).
struct Matched {
    std::map<std::size_t, std::vector<double>> votes;     ///< answers per label
    std::map<std::size_t, std::vector<int>> by_reviewer;  ///< per reviewer its label, or -1
    std::map<std::size_t, std::pair<double, std::string>> weight_of;  ///< weight, where read
    std::size_t answers = 0;
};

/// Matches every answer to its row and label; throws InputError at the answer's place for an
/// unknown key or label, a key answered twice by one reviewer, a weight that differs.
Matched match_answers(const std::vector<Reviewer>& reviewers, const std::vector<RowFacts>& rows,
                      const std::map<std::string, std::size_t>& label_index) {
    std::map<std::string, std::size_t> row_of;
    for (std::size_t i = 0; i < rows.size(); ++i) row_of.emplace(rows[i].key, i);
    const std::size_t k = label_index.size();
    Matched m;
    for (std::size_t r = 0; r < reviewers.size(); ++r) {
        std::map<std::size_t, std::string> seen;
        for (const auto& a : reviewers[r].answers) {
            auto row = row_of.find(a.key);
            if (row == row_of.end())
                throw InputError(a.where + ": unknown key " + quoted(a.key) +
                                 " (no input row has this id" +
                                 (rows.empty() || rows[0].key == "0" ? " or index" : "") + ")");
            auto label = label_index.find(a.label);
            if (label == label_index.end())
                throw InputError(a.where + ": unknown label " + quoted(a.label));
            auto [it, fresh] = seen.emplace(row->second, a.where);
            if (!fresh)
                throw InputError(a.where + ": key " + quoted(a.key) + " already answered by " +
                                 quoted(reviewers[r].name) + " at " + it->second);
            auto [w, first] = m.weight_of.emplace(row->second, std::make_pair(a.weight, a.where));
            if (!first && w->second.first != a.weight)
                throw InputError(a.where + ": weight of key " + quoted(a.key) +
                                 " differs from the one at " + w->second.second +
                                 " (answers from different samples?)");
            auto& v = m.votes[row->second];
            v.resize(k, 0);
            v[label->second] += 1;
            auto& who = m.by_reviewer[row->second];
            who.resize(reviewers.size(), -1);
            who[r] = static_cast<int>(label->second);
            ++m.answers;
        }
    }
    return m;
}

/// Agreement between reviewers over the rows two or more of them labelled.
void between_reviewers(const Matched& m, std::size_t labels, std::size_t reviewers, Figures& f) {
    std::vector<std::vector<double>> overlap;
    for (const auto& [row, v] : m.votes) {
        double n = 0;
        for (double c : v) n += c;
        if (n >= 2) overlap.push_back(v);
    }
    f.reviewer_overlap_rows = overlap.size();
    f.reviewer_fleiss_kappa = fleiss_kappa(overlap);
    f.reviewer_alpha = krippendorff_alpha(overlap);
    if (reviewers != 2) return;
    const auto k = static_cast<Eigen::Index>(labels);
    Eigen::MatrixXd pair = Eigen::MatrixXd::Zero(k, k);
    for (const auto& [row, who] : m.by_reviewer)
        if (who[0] >= 0 && who[1] >= 0) pair(who[0], who[1]) += 1;
    if (pair.sum() > 0) f.reviewer_kappa = metrics::cohen_kappa(pair);
}

/// The label index of the reviewers' majority, or none on a tie.
std::optional<std::size_t> majority(const std::vector<double>& votes) {
    const auto top = std::max_element(votes.begin(), votes.end());
    if (std::count(votes.begin(), votes.end(), *top) > 1) return std::nullopt;
    return static_cast<std::size_t>(top - votes.begin());
}

/// Weighted sums over the gold rows, gathered in one pass in row order.
struct GoldSums {
    double w = 0, w2 = 0;  ///< sum of weights and of squared weights
    double right = 0;      ///< weight of rows whose label is ours
    double judged = 0;     ///< weight of rows the judge graded ok
    double flagged = 0;    ///< judged rows with label_correct = false
    double wrong = 0;      ///< judged rows whose label is not the gold label
    double flagged_wrong = 0;
};

/// Gold label per row (a tie leaves the row out): the row counts and the weighted confusion.
GoldSums against_gold(const Matched& m, const std::vector<RowFacts>& rows,
                      const std::vector<std::string>& labels,
                      const std::map<std::string, std::size_t>& label_index, Figures& f) {
    GoldSums s;
    for (const auto& [row, v] : m.votes) {
        const auto gold = majority(v);
        if (!gold) {
            ++f.human_tie_rows;
            continue;
        }
        const RowFacts& facts = rows[row];
        const double w = m.weight_of.at(row).first;
        ++f.human_rows;
        s.w += w;
        s.w2 += w * w;
        const bool ours_right = facts.label == labels[*gold];
        if (ours_right) s.right += w;
        if (!facts.judged_ok) continue;
        ++f.judge_human_rows;
        s.judged += w;
        auto judge = label_index.find(facts.judge_label);
        if (judge != label_index.end())
            f.confusion(static_cast<Eigen::Index>(*gold),
                        static_cast<Eigen::Index>(judge->second)) += w;
        if (!facts.label_correct) s.flagged += w;
        if (!ours_right) s.wrong += w;
        if (!facts.label_correct && !ours_right) s.flagged_wrong += w;
    }
    return s;
}

/// human_label_accuracy, its Wilson interval on the effective sample size, and the rows more.
void accuracy(const GoldSums& s, Figures& f) {
    if (f.human_rows == 0) return;
    const double p = s.right / s.w;
    f.effective_rows = s.w * s.w / s.w2;
    auto ci = wilson(p, f.effective_rows);
    f.human_label_accuracy = p;
    f.human_label_accuracy_lower = ci.lower;
    f.human_label_accuracy_upper = ci.upper;
    const double design_effect = static_cast<double>(f.human_rows) / f.effective_rows;
    const double needed =
        std::ceil(static_cast<double>(rows_for_half_width(p, 0.02)) * design_effect - 1e-9);
    f.more_rows_for_2pt = needed > static_cast<double>(f.human_rows)
                              ? static_cast<std::size_t>(needed) - f.human_rows
                              : 0;
}

/// The judge against the gold label: agreement, kappa, per-label P/R/F1, the flag's P/R.
void judge_against_gold(const GoldSums& s, const std::vector<std::string>& labels, Figures& f) {
    if (f.judge_human_rows == 0) return;
    // A judge label outside `labels` counts as a disagreement in the agreement (its weight is
    // in no cell of the confusion, whose labels are the human's choices).
    f.judge_human_agreement = f.confusion.trace() / s.judged;
    if (f.confusion.sum() > 0) f.judge_human_kappa = metrics::cohen_kappa(f.confusion);
    for (Eigen::Index li = 0; li < f.confusion.rows(); ++li) {
        PerLabel p;
        const double tp = f.confusion(li, li);
        const double said = f.confusion.col(li).sum();
        p.support = f.confusion.row(li).sum();
        p.precision = said > 0 ? tp / said : 0;
        p.recall = p.support > 0 ? tp / p.support : 0;
        p.f1 =
            p.precision + p.recall > 0 ? 2 * p.precision * p.recall / (p.precision + p.recall) : 0;
        f.per_label[labels[static_cast<std::size_t>(li)]] = p;
    }
    if (s.flagged > 0) f.judge_flag_precision = s.flagged_wrong / s.flagged;
    if (s.wrong > 0) f.judge_flag_recall = s.flagged_wrong / s.wrong;
}

}  // namespace

Figures compute(const std::vector<Reviewer>& reviewers, const std::vector<RowFacts>& rows,
                const std::vector<std::string>& labels) {
    std::map<std::string, std::size_t> label_index;
    for (const auto& l : labels) label_index.emplace(l, label_index.size());
    const std::size_t k = label_index.size();
    const Matched matched = match_answers(reviewers, rows, label_index);
    Figures f;
    f.reviewers = reviewers.size();
    f.answers = matched.answers;
    f.reviewed_rows = matched.votes.size();
    between_reviewers(matched, k, reviewers.size(), f);
    f.confusion_labels = labels;
    f.confusion = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
    const GoldSums sums = against_gold(matched, rows, labels, label_index, f);
    accuracy(sums, f);
    judge_against_gold(sums, labels, f);
    return f;
}

}  // namespace synthmod::gold
