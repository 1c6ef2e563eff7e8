#include "stats/review.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "common/errors.h"
#include "stats/charts.h"
#include "stats/review_page.h"

namespace synthmod::review {

namespace {

/// splitmix64: a small generator whose output is fixed by its definition (std::mt19937 is, but
/// std::uniform_int_distribution and std::shuffle are not the same across standard libraries).
struct SplitMix {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, bound) without modulo bias (rejection).
    std::uint64_t below(std::uint64_t bound) {
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
        std::uint64_t x;
        do x = next();
        while (x >= limit);
        return x % bound;
    }
};

template <typename T>
void shuffle(std::vector<T>& v, SplitMix& rng) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::kAgrees:
            return "agrees";
        case Verdict::kDisagrees:
            return "disagrees";
        case Verdict::kNotJudged:
            break;
    }
    return "not judged";
}

std::vector<Draw> stratified_sample(const std::vector<std::size_t>& stratum_of_row,
                                    std::size_t strata, std::size_t n, std::uint64_t seed,
                                    const std::vector<double>& boost) {
    std::vector<std::vector<std::size_t>> members(strata);
    for (std::size_t i = 0; i < stratum_of_row.size(); ++i)
        members.at(stratum_of_row[i]).push_back(i);
    SplitMix rng{seed};
    std::vector<std::size_t> take(strata, 0);
    const std::size_t rows = stratum_of_row.size();
    if (n >= rows) {
        for (std::size_t h = 0; h < strata; ++h) take[h] = members[h].size();
    } else {
        double total = 0;
        std::vector<double> target(strata, 0);
        for (std::size_t h = 0; h < strata; ++h) {
            double b = h < boost.size() ? boost[h] : 1.0;
            target[h] = static_cast<double>(members[h].size()) * b;
            total += target[h];
        }
        for (auto& t : target) t = total > 0 ? t * static_cast<double>(n) / total : 0;
        std::size_t left = n;
        // One row for every non-empty stratum first (largest targets first when n is short).
        std::vector<std::size_t> order;
        for (std::size_t h = 0; h < strata; ++h)
            if (!members[h].empty()) order.push_back(h);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return target[a] > target[b]; });
        for (std::size_t h : order) {
            if (left == 0) break;
            take[h] = 1;
            --left;
        }
        while (left > 0) {
            std::size_t best = strata;
            double best_gap = 0;
            for (std::size_t h = 0; h < strata; ++h) {
                if (take[h] >= members[h].size()) continue;
                double gap = target[h] - static_cast<double>(take[h]);
                if (best == strata || gap > best_gap) {
                    best = h;
                    best_gap = gap;
                }
            }
            if (best == strata) break;
            ++take[best];
            --left;
        }
    }
    std::vector<Draw> out;
    for (std::size_t h = 0; h < strata; ++h) {
        auto& m = members[h];
        shuffle(m, rng);
        double weight = take[h] ? static_cast<double>(m.size()) / static_cast<double>(take[h]) : 0;
        for (std::size_t k = 0; k < take[h]; ++k) out.push_back({m[k], weight, h});
    }
    shuffle(out, rng);
    return out;
}

std::string weight_text(double weight) {
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, weight);
        if (std::strtod(buf, nullptr) == weight) break;
    }
    return buf;
}

const std::vector<std::string>& default_issue_tags() {
    // The judge's list (judge/rubric.cpp issue_tags(); stats does not link the judge). A test
    // checks that the two stay equal.
    static const std::vector<std::string> kTags = {"ai_disclaimer", "placeholder",
                                                   "off_topic",     "label_stated",
                                                   "real_pii",      "not_user_generated"};
    return kTags;
}

std::vector<std::string> choice_keys(std::size_t labels, std::size_t tags) {
    static const std::string kKeys = "1234567890abcdefghilmopqrstvwxyz";  // not j k n u
    if (labels + tags > kKeys.size())
        throw UsageError("--review: " + std::to_string(labels) + " labels and " +
                         std::to_string(tags) + " issue tags need more than the " +
                         std::to_string(kKeys.size()) + " keys the page has");
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < labels + tags; ++i) keys.emplace_back(1, kKeys[i]);
    return keys;
}

Page build_page(const metrics::Dataset& data, std::size_t n, std::uint64_t seed,
                std::vector<std::string> labels, double disagree_boost) {
    auto column = [&](const char* name) {
        auto it = std::find(data.header.begin(), data.header.end(), name);
        return it == data.header.end() ? -1 : static_cast<int>(it - data.header.begin());
    };
    const int id = column("id");
    const int context = column("context");
    // Strata: our label x verdict, numbered in order of first appearance.
    std::map<std::string, std::size_t> label_index;
    std::vector<std::size_t> stratum(data.size());
    std::vector<Verdict> verdicts(data.size(), Verdict::kNotJudged);
    for (std::size_t i = 0; i < data.size(); ++i) {
        auto [it, fresh] = label_index.emplace(std::string(data.label_of(i)), label_index.size());
        if (data.has_judge() && data.judge[i] == metrics::JudgeStatus::kOk)
            verdicts[i] = data.correct[i] ? Verdict::kAgrees : Verdict::kDisagrees;
        stratum[i] = it->second * 3 + static_cast<std::size_t>(verdicts[i]);
    }
    std::vector<double> boost(label_index.size() * 3, 1.0);
    for (std::size_t h = 0; h < boost.size(); ++h)
        if (h % 3 == static_cast<std::size_t>(Verdict::kDisagrees)) boost[h] = disagree_boost;
    Page page;
    page.seed = seed;
    page.issue_tags = default_issue_tags();
    for (const auto& d : stratified_sample(stratum, boost.size(), n, seed, boost)) {
        Item item;
        item.key = id >= 0 ? std::string(data.field(d.row, id)) : std::to_string(d.row);
        item.text = data.text(d.row);
        if (context >= 0) item.context = std::string(data.field(d.row, context));
        item.label = std::string(data.label_of(d.row));
        if (data.judge_label >= 0 && verdicts[d.row] != Verdict::kNotJudged)
            item.judge_label = std::string(data.field(d.row, data.judge_label));
        item.verdict = verdicts[d.row];
        item.weight = d.weight;
        page.items.push_back(std::move(item));
    }
    for (const auto& item : page.items)
        for (const std::string* l : {&item.label, &item.judge_label})
            if (!l->empty() && std::find(labels.begin(), labels.end(), *l) == labels.end())
                labels.push_back(*l);
    page.labels = std::move(labels);
    return page;
}

namespace {

/// `<`, `>`, `&`, U+2028, U+2029 as \u escapes: they can only occur inside JSON strings.
std::string script_safe(std::string_view json) {
    std::string out;
    out.reserve(json.size() + json.size() / 16);
    for (std::size_t i = 0; i < json.size(); ++i) {
        char c = json[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
                   (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
            out += json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void put(JsonWriter& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void put_list(JsonWriter& w, const std::vector<std::string>& list) {
    w.StartArray();
    for (const auto& s : list) put(w, s);
    w.EndArray();
}

std::string hex(std::string_view bytes) {
    static const char* kDigits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

std::array<std::uint8_t, 32> sha256(std::string_view data) {
    static const std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                          0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::string msg(data);
    const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
    msg += '\x80';
    while (msg.size() % 64 != 56) msg += '\0';
    for (int i = 7; i >= 0; --i) msg += static_cast<char>((bits >> (i * 8)) & 0xff);
    auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
    for (std::size_t block = 0; block < msg.size(); block += 64) {
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i) {
            const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + block + i * 4);
            w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
        }
        for (int i = 16; i < 64; ++i) {
            std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
                      hh = h[7];
        for (int i = 0; i < 64; ++i) {
            std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            std::uint32_t ch = (e & f) ^ (~e & g);
            std::uint32_t t1 = hh + s1 + ch + k[i] + w[i];
            std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            std::uint32_t t2 = s0 + maj;
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
    std::array<std::uint8_t, 32> out{};
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j)
            out[i * 4 + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
    return out;
}

std::string base64(const std::uint8_t* p, std::size_t n) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; i += 3) {
        std::uint32_t v = std::uint32_t{p[i]} << 16;
        if (i + 1 < n) v |= std::uint32_t{p[i + 1]} << 8;
        if (i + 2 < n) v |= p[i + 2];
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
        out += i + 2 < n ? kAlphabet[v & 63] : '=';
    }
    return out;
}

/// Text in the page's HTML and the Label Studio XML config: the charts' escaper (one switch for
/// both), which also turns the control characters XML 1.0 forbids into spaces and U+FFFE/U+FFFF
/// into U+FFFD, so a hostile label cannot make the config invalid XML.
std::string html_escape(std::string_view s) { return charts::xml_escape(std::string(s)); }

/// An item's "key", "text" and "context" members, as the page and the Label Studio tasks carry them.
void item_text(JsonWriter& w, const Item& item) {
    w.Key("key");
    put(w, item.key);
    w.Key("text");
    put(w, item.text);
    w.Key("context");
    put(w, item.context);
}

}  // namespace

std::string sha256_base64(std::string_view data) {
    auto digest = sha256(data);
    return base64(digest.data(), digest.size());
}

std::string page_json(const Page& page) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("title");
    put(w, page.title);
    w.Key("labels");
    put_list(w, page.labels);
    const auto keys = choice_keys(page.labels.size(), page.issue_tags.size());
    w.Key("label_keys");
    put_list(w, std::vector<std::string>(keys.begin(), keys.begin() + page.labels.size()));
    w.Key("tags");
    put_list(w, page.issue_tags);
    w.Key("tag_keys");
    put_list(w, std::vector<std::string>(keys.begin() + page.labels.size(), keys.end()));
    w.Key("blind_full");
    w.Bool(page.blind_full);
    // The autosave key: one sample's answers never load into another sample's page (every
    // file:// page shares one origin, hence one localStorage).
    std::string identity = std::to_string(page.seed);
    for (const auto& item : page.items) identity += '\n' + item.key;
    w.Key("storage_key");
    put(w, "synthmod-review:" +
               hex(std::string_view(reinterpret_cast<const char*>(sha256(identity).data()), 12)));
    w.Key("items");
    w.StartArray();
    for (const auto& item : page.items) {
        w.StartObject();
        item_text(w, item);
        if (!page.blind_full) {
            w.Key("label");
            put(w, item.label);
            w.Key("judge_label");
            put(w, item.judge_label);
            w.Key("verdict");
            put(w, verdict_name(item.verdict));
        }
        w.Key("weight");
        put(w, weight_text(item.weight));
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return script_safe(std::string_view(buffer.GetString(), buffer.GetSize()));
}

std::string html(const Page& page) {
    const std::string script = page_script();
    const std::string style = page_style();
    std::string csp = "default-src 'none'; script-src 'sha256-" + sha256_base64(script) +
                      "'; style-src 'sha256-" + sha256_base64(style) +
                      "'; img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
                      "object-src 'none'; frame-src 'none'; worker-src 'none'; "
                      "manifest-src 'none'; form-action 'none'; base-uri 'none'";
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + csp + "\">\n";
    out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + html_escape(page.title) + "</title>\n";
    out += "<style>" + style + "</style>\n</head>\n<body>\n";
    out += page_body();
    out += "<script type=\"application/json\" id=\"sample\">" + page_json(page) + "</script>\n";
    out += "<script>" + script + "</script>\n</body>\n</html>\n";
    return out;
}

std::string label_studio_tasks(const Page& page) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartArray();
    for (const auto& item : page.items) {
        w.StartObject();
        w.Key("data");
        w.StartObject();
        item_text(w, item);
        w.Key("weight");
        w.Double(item.weight);
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string label_studio_config(const Page& page) {
    const auto keys = choice_keys(page.labels.size(), page.issue_tags.size());
    std::string out = "<View>\n";
    out += "  <Header value=\"Context: $context\"/>\n";
    out += "  <Text name=\"text\" value=\"$text\" valueType=\"text\" saveTextResult=\"no\"/>\n";
    out += "  <Header value=\"Label\"/>\n";
    out += "  <Choices name=\"label\" toName=\"text\" choice=\"single\" required=\"true\">\n";
    for (std::size_t i = 0; i < page.labels.size(); ++i)
        out += "    <Choice value=\"" + html_escape(page.labels[i]) + "\" hotkey=\"" + keys[i] +
               "\"/>\n";
    out += "  </Choices>\n";
    out += "  <Header value=\"Realism (1-5)\"/>\n";
    out += "  <Rating name=\"realism\" toName=\"text\" maxRating=\"5\"/>\n";
    out += "  <Header value=\"Issues\"/>\n";
    out += "  <Choices name=\"issues\" toName=\"text\" choice=\"multiple\">\n";
    for (std::size_t i = 0; i < page.issue_tags.size(); ++i)
        out += "    <Choice value=\"" + html_escape(page.issue_tags[i]) + "\" hotkey=\"" +
               keys[page.labels.size() + i] + "\"/>\n";
    out += "  </Choices>\n";
    out +=
        "  <TextArea name=\"note\" toName=\"text\" placeholder=\"note\" maxSubmissions=\"1\"/>\n";
    out += "</View>\n";
    return out;
}

}  // namespace synthmod::review
