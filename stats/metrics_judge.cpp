// Judge figures (DESIGN section 9): agreement with its Wilson interval, the confusion matrix,
// Cohen's kappa, per-label precision/recall/F1, realism, issue tags, generator and judge refusals.
#include <algorithm>
#include <set>

#include "common/text.h"
#include "stats/metrics_sections.h"

namespace synthmod::metrics::sections {

namespace {

/// Rows ok / refused / in error, agreement among the ok rows; returns the labels (ours and the
/// judge's) seen on ok rows, sorted.
std::vector<std::string> statuses_and_agreement(const Rows& rows, Metrics& m) {
    const Dataset& data = rows.data;
    std::set<std::string> names;
    for (std::size_t k = 0; k < rows.n; ++k) {
        std::size_t i = rows.at(k);
        switch (data.judge[i]) {
            case JudgeStatus::kOk:
                ++m.judge_ok;
                break;
            case JudgeStatus::kRefused:
                ++m.judge_refused;
                break;
            default:
                ++m.judge_errors;
                break;
        }
        if (data.judge[i] != JudgeStatus::kOk) continue;
        m.judge_correct += data.correct[i];
        names.insert(std::string(data.label_of(i)));
        if (data.judge_label >= 0) names.insert(std::string(data.field(i, data.judge_label)));
    }
    m.judge_refusal_rate = m.rate(m.judge_refused);
    if (m.judge_ok > 0) {
        m.agreement = static_cast<double>(m.judge_correct) / static_cast<double>(m.judge_ok);
        m.agreement_ci = statistics::wilson(m.judge_correct, m.judge_ok);
    }
    return {names.begin(), names.end()};
}

/// Our label x the judge's over the ok rows, kappa and the per-label scores (judge as reference).
void confusion(const Rows& rows, std::vector<std::string> labels, Metrics& m) {
    const Dataset& data = rows.data;
    m.confusion_labels = std::move(labels);
    const auto dim = static_cast<Eigen::Index>(m.confusion_labels.size());
    m.confusion = Eigen::MatrixXd::Zero(dim, dim);
    auto index = [&](std::string_view s) {
        return static_cast<Eigen::Index>(
            std::lower_bound(m.confusion_labels.begin(), m.confusion_labels.end(), s) -
            m.confusion_labels.begin());
    };
    for (std::size_t k = 0; k < rows.n; ++k) {
        std::size_t i = rows.at(k);
        if (data.judge[i] != JudgeStatus::kOk) continue;
        m.confusion(index(data.label_of(i)), index(data.field(i, data.judge_label))) += 1;
    }
    m.kappa = statistics::cohen_kappa(m.confusion);
    for (Eigen::Index l = 0; l < dim; ++l) {
        PerLabel p;
        double tp = m.confusion(l, l);
        double ours = m.confusion.row(l).sum();
        double theirs = m.confusion.col(l).sum();
        p.precision = ours > 0 ? tp / ours : 0;
        p.recall = theirs > 0 ? tp / theirs : 0;
        p.f1 =
            p.precision + p.recall > 0 ? 2 * p.precision * p.recall / (p.precision + p.recall) : 0;
        p.support = static_cast<std::size_t>(theirs);
        m.per_label[m.confusion_labels[l]] = p;
    }
}

void realism(const Rows& rows, Metrics& m) {
    double realism_sum = 0;
    std::size_t realism_n = 0;
    for (std::size_t k = 0; k < rows.n; ++k) {
        std::size_t i = rows.at(k);
        int r = rows.data.realism_score[i];
        if (rows.data.judge[i] != JudgeStatus::kOk || r < 1) continue;
        realism_sum += r;
        ++realism_n;
        ++m.realism_histogram[r - 1];
    }
    if (realism_n) m.realism_mean = realism_sum / static_cast<double>(realism_n);
}

/// Tags of the `issues` column, `;`-separated.
void issue_tags(const Rows& rows, Metrics& m) {
    for (std::size_t k = 0; k < rows.n; ++k) {
        std::string_view s = rows.data.field(rows.at(k), rows.data.issues);
        while (!s.empty()) {
            auto semi = s.find(';');
            std::string tag = text::trim(s.substr(0, semi));
            if (!tag.empty()) ++m.issue_counts[tag];
            if (semi == std::string_view::npos) break;
            s.remove_prefix(semi + 1);
        }
    }
}

/// Generator refusals: a status column when the file has one, else rows labelled "refused".
void generator_refusals(const Rows& rows, Metrics& m) {
    const Dataset& data = rows.data;
    if (data.status >= 0) {
        for (std::size_t k = 0; k < rows.n; ++k) m.generator_refused += rows.refused(k);
    } else {
        for (std::size_t l = 0; l < rows.label_names.size(); ++l)
            if (rows.refusal_label[l]) m.generator_refused += rows.label_rows[l];
    }
    m.generator_refusal_source =
        data.status >= 0 ? data.header[data.status] + " = refused" : "label = refused";
}

}  // namespace

void judge(const Rows& rows, Metrics& m) {
    m.judged = rows.data.has_judge();
    m.realism_histogram.assign(5, 0);
    if (m.judged) {
        auto labels = statuses_and_agreement(rows, m);
        if (rows.data.judge_label >= 0 && m.judge_ok > 0) confusion(rows, std::move(labels), m);
        realism(rows, m);
        if (rows.data.issues >= 0) issue_tags(rows, m);
    }
    generator_refusals(rows, m);
}

}  // namespace synthmod::metrics::sections
