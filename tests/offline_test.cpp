// Tests of the offline provider's generate path: determinism, variety, label drift, reserved
// fake data only, and responsible self-harm posts.
#include "common/llm/offline.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/jaccard.h"

namespace {

using synthmod::llm::Prompt;
using synthmod::llm::Result;
using synthmod::llm::Status;

const std::vector<std::string> kLabels = {"Spam & Scams", "Self-harm & Suicide",
                                          "Privacy & Personal Data Exposure", "Safe"};
const std::vector<std::string> kPersonas = {
    "A 16-year-old skateboarder from Lyon who is into speedrunning and posts clips on TikTok.",
    "A 71-year-old retired postman from Cork who enjoys birdwatching.",
    "A 34-year-old night-shift nurse in Leeds who loves baking sourdough.",
    "A WWII veteran who didn't finish high school.",
    "一位热爱书法的退休教师",
    "A senior patent officer with years of experience in the field"};
const std::vector<std::string> kContexts = {"a tweet", "a Reddit comment", "a product review",
                                            "a Discord message", "a Facebook group post"};

Prompt generate_prompt(const std::string& label, const std::string& persona,
                       const std::string& context, const std::string& variant = "baseline") {
    Prompt p;
    p.task = "generate";
    p.system = "system text";
    p.user = "Write " + context + " by " + persona;
    p.vars = {{"label", label},
              {"label_definition", "definition of " + label},
              {"persona", persona},
              {"context", context},
              {"variant", variant}};
    std::string names;
    for (const auto& l : kLabels) names += l + "\n";
    p.vars["labels"] = names;
    return p;
}

struct Post {
    std::string content, label;
};

Post parse(const Result& r) {
    rapidjson::Document doc;
    doc.Parse(r.answer_json.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.IsObject());
    REQUIRE(doc["content"].IsString());
    REQUIRE(doc["label"].IsString());
    return {doc["content"].GetString(), doc["label"].GetString()};
}

/// 1,000 items the way a plan would spread them: labels, personas and contexts rotating.
std::vector<std::pair<std::string, Prompt>> thousand_items() {
    std::vector<std::pair<std::string, Prompt>> items;
    for (int i = 0; i < 1000; ++i) {
        std::string id = "item-" + std::to_string(i);
        items.emplace_back(id,
                           generate_prompt(kLabels[i % 4], kPersonas[(i / 4) % kPersonas.size()],
                                           kContexts[(i / 7) % kContexts.size()],
                                           i % 2 ? "persona_first" : "baseline"));
    }
    return items;
}

/// Sorted distinct hashes of the byte 5-grams of `s` (a cheap stand-in for the stats module's
/// shingles, enough to tell near-identical texts apart).
std::vector<std::size_t> shingles(const std::string& s) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i + 5 <= s.size(); ++i)
        out.push_back(std::hash<std::string>()(s.substr(i, 5)));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}


}  // namespace

TEST_CASE("offline provider identifies itself and never goes to the network", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    CHECK(provider->name() == "offline");
    CHECK(provider->model() == "offline");
    CHECK_FALSE(provider->remote());
}

TEST_CASE("offline posts are deterministic from the item id", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    Prompt p = generate_prompt("Safe", kPersonas[2], "a tweet");
    Result a = provider->answer_locally(p, "abc123");
    Result b = provider->answer_locally(p, "abc123");
    Result c = provider->answer_locally(p, "abc124");
    REQUIRE(a.status == Status::kOk);
    CHECK(a.answer_json == b.answer_json);
    CHECK(a.answer_json != c.answer_json);
    CHECK(a.usage.input_tokens > 0);
    CHECK(a.usage.output_tokens == static_cast<std::int64_t>((a.answer_json.size() + 3) / 4));
}

TEST_CASE("offline posts over 1,000 items are varied and mostly on target", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    auto items = thousand_items();
    std::set<std::string> distinct;
    std::map<std::string, int> drifted;
    std::vector<std::vector<std::size_t>> sets;
    int off_target = 0;
    for (const auto& [id, prompt] : items) {
        Result r = provider->answer_locally(prompt, id);
        REQUIRE(r.status == Status::kOk);
        Post post = parse(r);
        CHECK_FALSE(post.content.empty());
        CHECK(std::find(kLabels.begin(), kLabels.end(), post.label) != kLabels.end());
        distinct.insert(post.content);
        sets.push_back(shingles(post.content));
        if (post.label != prompt.vars.at("label")) {
            ++off_target;
            ++drifted[prompt.vars.at("label")];
        }
    }
    CHECK(distinct.size() >= 995);
    // ~3 % drift: enough for the drift column to mean something, little enough to be drift.
    CHECK(off_target >= 10);
    CHECK(off_target <= 60);
    CHECK(drifted.size() >= 2);

    // Near duplicates (Jaccard of character 5-grams >= 0.8, the dedup default) are rare.
    int near = 0;
    for (std::size_t i = 0; i < sets.size(); ++i)
        for (std::size_t j = i + 1; j < sets.size(); ++j)
            if (synthmod::test::sorted_jaccard(sets[i], sets[j]) >= 0.8) {
                ++near;
                break;
            }
    CHECK(near < 20);  // < 2 % of rows have a later near duplicate
}

TEST_CASE("offline privacy posts use reserved fake data only", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    const std::regex phone(R"((\d{3})-(\d{4}))");
    const std::regex email(R"([A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))");
    const std::regex url(R"(https?://([^/\s]+))");
    const std::regex ssn(R"(\b(\d{3})-\d{2}-\d{4}\b)");
    int phones = 0, emails = 0;
    for (int i = 0; i < 400; ++i) {
        std::string label = i % 2 ? "Privacy & Personal Data Exposure" : "Spam & Scams";
        Prompt p = generate_prompt(label, kPersonas[i % kPersonas.size()],
                                   kContexts[i % kContexts.size()]);
        std::string text = parse(provider->answer_locally(p, "p" + std::to_string(i))).content;
        for (std::sregex_iterator it(text.begin(), text.end(), phone), end; it != end; ++it) {
            std::string m = (*it)[0];
            bool part_of_ssn = std::regex_search(text, std::regex("000-\\d{2}-" + (*it)[2].str()));
            if (part_of_ssn) continue;
            INFO(text);
            CHECK((*it)[1] == "555");
            CHECK((*it)[2].str().substr(0, 2) == "01");
            ++phones;
        }
        for (std::sregex_iterator it(text.begin(), text.end(), email), end; it != end; ++it) {
            std::string domain = (*it)[1];
            INFO(text);
            CHECK((domain == "example.com" || domain == "example.org" || domain == "example.net"));
            ++emails;
        }
        for (std::sregex_iterator it(text.begin(), text.end(), url), end; it != end; ++it) {
            std::string host = (*it)[1];
            INFO(text);
            CHECK(host.size() >= 11);
            CHECK(host.substr(host.size() - 11) == "example.com");
        }
        for (std::sregex_iterator it(text.begin(), text.end(), ssn), end; it != end; ++it) {
            INFO(text);
            CHECK((*it)[1] == "000");  // never-issued area number
        }
    }
    CHECK(phones > 20);
    CHECK(emails > 20);
}

TEST_CASE("offline self-harm posts carry distress but no method details", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    const std::regex method_words(
        R"(\b(pills?|overdose|rope|hang|hanging|bridge|jump|razor|blades?|knife|gun|poison|bleach|wrists?|tracks|mg|dose|lethal)\b)",
        std::regex::icase);
    int on_target = 0;
    for (int i = 0; i < 300; ++i) {
        Prompt p = generate_prompt("Self-harm & Suicide", kPersonas[i % kPersonas.size()],
                                   kContexts[i % kContexts.size()]);
        Post post = parse(provider->answer_locally(p, "s" + std::to_string(i)));
        INFO(post.content);
        CHECK_FALSE(std::regex_search(post.content, method_words));
        on_target += post.label == "Self-harm & Suicide";
    }
    CHECK(on_target >= 270);
}

TEST_CASE("offline posts take details from the persona", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    int interest = 0, young = 0;
    for (int i = 0; i < 200; ++i) {
        Prompt p = generate_prompt("Safe", kPersonas[2], "a Reddit comment");
        std::string text = parse(provider->answer_locally(p, "n" + std::to_string(i))).content;
        interest += text.find("baking sourdough") != std::string::npos ||
                    text.find("night-shift nurse") != std::string::npos;
        Prompt q = generate_prompt("Safe", kPersonas[0], "a tweet");
        std::string teen = parse(provider->answer_locally(q, "t" + std::to_string(i))).content;
        bool has_upper = false;
        for (char c : teen) has_upper = has_upper || (c >= 'A' && c <= 'Z');
        young += !has_upper;  // a 16-year-old writes in lower case
    }
    CHECK(interest > 40);
    CHECK(young > 150);
}

TEST_CASE("offline provider handles a label it has no bank for", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    Prompt p = generate_prompt("Harassment", kPersonas[1], "a tweet");
    p.vars["label_definition"] = "Targeted insults, threats or intimidation of a person.";
    p.vars["labels"] = "Harassment\nSafe\n";
    std::set<std::string> texts;
    for (int i = 0; i < 50; ++i) {
        Post post = parse(provider->answer_locally(p, "h" + std::to_string(i)));
        CHECK((post.label == "Harassment" || post.label == "Safe"));
        texts.insert(post.content);
    }
    CHECK(texts.size() >= 40);
}

TEST_CASE("offline posts quote the persona's role as a clean noun phrase", "[offline]") {
    auto provider = synthmod::llm::make_offline_provider("offline");
    const std::string scholar = "An academic scholar studying the history of harpsichords";
    const std::string critic = "A film critic specializing in live-action movies";
    int scholar_seen = 0, critic_seen = 0;
    for (int i = 0; i < 300; ++i) {
        for (const auto& label : {"Safe", "Self-harm & Suicide"}) {
            Prompt p = generate_prompt(label, i % 2 ? scholar : critic, "a Reddit comment",
                                       "persona_first");
            std::string text = parse(provider->answer_locally(p, "r" + std::to_string(i))).content;
            INFO(text);
            CHECK(text.find("scholar studying") == std::string::npos);
            CHECK(text.find("critic specializing") == std::string::npos);
            CHECK(text.find("a academic") == std::string::npos);
            scholar_seen += text.find("an academic scholar") != std::string::npos;
            critic_seen += text.find("a film critic") != std::string::npos;
        }
    }
    CHECK(scholar_seen > 10);
    CHECK(critic_seen > 10);
}
