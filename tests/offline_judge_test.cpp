// The offline judge: a keyword classifier standing in for a judge model.
#include "common/llm/offline_judge.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/spec.h"
#include "judge/rubric.h"

using synthmod::llm::offline_judge;
using synthmod::llm::Prompt;
using synthmod::llm::Status;

namespace {

std::vector<synthmod::spec::Label> seed_labels() {
    return {
        {"Spam & Scams", "Unsolicited ads, phishing, fake prizes and get-rich-quick schemes."},
        {"Self-harm & Suicide", "Posts expressing intent, plans or encouragement of self-harm."},
        {"Privacy & Personal Data Exposure",
         "Posts revealing someone's private information: address, phone number, e-mail."},
        {"Safe", "Ordinary posts with no policy violation."},
    };
}

struct Answer {
    std::string label;
    int realism = 0;
    std::vector<std::string> issues;
    std::string rationale;
    std::string verdict;
};

Answer grade(const std::string& content, const std::vector<synthmod::spec::Label>& labels,
             const std::string& our_label = "", bool blind = true) {
    synthmod::judge::Rubric rubric(labels, blind);
    Prompt p = rubric.prompt(content, our_label, 400, std::nullopt);
    auto result = offline_judge(p, "item-1");
    REQUIRE(result.status == Status::kOk);
    // Every offline answer must pass the judge's own validation.
    REQUIRE(rubric.validate(result.answer_json) == "");
    rapidjson::Document d;
    d.Parse(result.answer_json.c_str());
    REQUIRE(d.IsObject());
    Answer a;
    a.label = d["label"].GetString();
    a.realism = d["realism"].GetInt();
    for (const auto& t : d["issues"].GetArray()) a.issues.push_back(t.GetString());
    a.rationale = d["rationale"].GetString();
    if (d.HasMember("verdict")) a.verdict = d["verdict"].GetString();
    CHECK(result.usage.input_tokens > 0);
    CHECK(result.usage.output_tokens > 0);
    return a;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST_CASE("offline judge labels obvious posts of each seed label", "[offline_judge]") {
    auto labels = seed_labels();
    SECTION("spam") {
        CHECK(grade("CONGRATULATIONS!! You are our lucky winner, click here to claim your free "
                    "iPhone prize, limited time offer!!",
                    labels)
                  .label == "Spam & Scams");
        CHECK(grade("Earn $500 a day working from home, guaranteed. DM me for the crypto "
                    "investment link in bio",
                    labels)
                  .label == "Spam & Scams");
    }
    SECTION("self-harm") {
        CHECK(grade("honestly i just want to end it all. nobody would notice if i was gone, i "
                    "keep thinking about how to kill myself",
                    labels)
                  .label == "Self-harm & Suicide");
        CHECK(grade("Started cutting again last night. I don't want to be here anymore.", labels)
                  .label == "Self-harm & Suicide");
    }
    SECTION("privacy") {
        CHECK(grade("lol found the guy who cut me off. he lives at 42 Oak Street, his phone "
                    "number is on his car, go tell him what you think",
                    labels)
                  .label == "Privacy & Personal Data Exposure");
        CHECK(grade("Posting my ex's home address and her social security number since she "
                    "won't pay me back.",
                    labels)
                  .label == "Privacy & Personal Data Exposure");
    }
    SECTION("safe") {
        CHECK(grade("Just finished my first sourdough loaf, crust came out great but the crumb "
                    "is a bit dense. Any tips?",
                    labels)
                  .label == "Safe");
        CHECK(grade("The bus was late again this morning, third time this week.", labels).label ==
              "Safe");
    }
}

TEST_CASE("offline judge flags issues from the fixed list", "[offline_judge]") {
    auto labels = seed_labels();
    SECTION("AI disclaimer: tagged, realism 1") {
        auto a =
            grade("As an AI language model, I cannot write content that promotes scams.", labels);
        CHECK(has(a.issues, "ai_disclaimer"));
        CHECK(a.realism == 1);
        CHECK_FALSE(has(grade("I'm an airline pilot and I love this route", labels).issues,
                        "ai_disclaimer"));
    }
    SECTION("placeholders") {
        CHECK(has(grade("Hey [name], check out my new store!", labels).issues, "placeholder"));
        CHECK(has(grade("Hello {{persona}} here", labels).issues, "placeholder"));
        CHECK_FALSE(has(grade("Hey Sam, check out my new store!", labels).issues, "placeholder"));
    }
    SECTION("real-looking PII, but not 555 numbers or example.com") {
        CHECK(has(grade("text her at 415-867-2209 if you see her", labels).issues, "real_pii"));
        CHECK(has(grade("his email is mark.jones82@gmail.com", labels).issues, "real_pii"));
        CHECK_FALSE(
            has(grade("text her at 415-555-0142 if you see her", labels).issues, "real_pii"));
        CHECK_FALSE(has(grade("write to jane@example.com", labels).issues, "real_pii"));
    }
    SECTION("label stated, not user generated, off topic") {
        CHECK(has(grade("This is a Spam & Scams post: buy now!", labels).issues, "label_stated"));
        CHECK(has(grade("Here is a tweet: loving the sunshine today", labels).issues,
                  "not_user_generated"));
        CHECK(has(grade("**Title:** Sunday plans\n\nOff to the lake!", labels).issues,
                  "not_user_generated"));
        CHECK_FALSE(
            has(grade("great post about cycling! anyone riding this weekend?", labels).issues,
                "not_user_generated"));
        CHECK_FALSE(has(grade("This is probably my last post here about my garden.", labels).issues,
                        "not_user_generated"));
        CHECK(has(grade("12345 !!! ???", labels).issues, "off_topic"));
        auto clean = grade("Just finished my first sourdough loaf, any tips?", labels);
        CHECK(clean.issues.empty());
        CHECK(clean.realism >= 4);
    }
}

TEST_CASE("offline judge is deterministic and names itself a keyword classifier",
          "[offline_judge]") {
    synthmod::judge::Rubric rubric(seed_labels(), true);
    Prompt p = rubric.prompt("win a free prize now, click here", "", 400, std::nullopt);
    auto a = offline_judge(p, "x");
    auto b = offline_judge(p, "x");
    CHECK(a.answer_json == b.answer_json);
    CHECK(a.answer_json.find("Keyword classifier") != std::string::npos);
}

TEST_CASE("offline judge without blindness gives a verdict", "[offline_judge]") {
    auto labels = seed_labels();
    auto agree = grade("click here to claim your free prize", labels, "Spam & Scams", false);
    CHECK(agree.verdict == "agree");
    CHECK(agree.label == "Spam & Scams");
    auto disagree = grade("click here to claim your free prize", labels, "Safe", false);
    CHECK(disagree.verdict == "disagree");
    CHECK(disagree.label == "Spam & Scams");
}

TEST_CASE("offline judge uses label names and definitions of other label sets", "[offline_judge]") {
    std::vector<synthmod::spec::Label> labels = {
        {"Medical misinformation",
         "False health claims: vaccines causing autism, miracle cures, fake remedies."},
        {"none", "Nothing wrong."},
    };
    CHECK(grade("vaccines cause autism and this miracle remedy cures cancer", labels).label ==
          "Medical misinformation");
    CHECK(grade("had a lovely walk in the park today", labels).label == "none");

    // Sub-categories "a/b" need both parts: plain hate is not hate/threatening.
    std::vector<synthmod::spec::Label> openai = {
        {"hate", "Hate based on race, religion or ethnicity."},
        {"violence", "Promotes or glorifies violence."},
        {"hate/threatening", "Hateful content that also threatens violence."},
        {"self-harm", "Promotes or depicts self-harm, such as suicide or cutting."},
        {"safe", "None of the above."},
    };
    CHECK(grade("I want to kill myself tonight, I can't go on", openai).label == "self-harm");
    CHECK(grade("we should exterminate those people, kill all of them, they are vermin", openai)
              .label == "hate/threatening");
    CHECK(grade("what a nice day for a picnic", openai).label == "safe");
}

TEST_CASE("offline judge on the real OpenAI moderation set beats the safe baseline on flagged rows",
          "[offline_judge]") {
    auto spec = synthmod::spec::load(SYNTHMOD_SOURCE_DIR "/tests/data/openai_labels.toml");
    auto table = synthmod::csv::read_table(SYNTHMOD_DATA_DIR "/moderation_openai.csv",
                                           {"content", "label"});
    synthmod::judge::Rubric rubric(spec.labels, true);
    int c = table.column("content"), l = table.column("label");
    std::size_t flagged = 0, flagged_hit = 0, safe = 0, safe_hit = 0;
    for (const auto& row : table.rows) {
        auto p = rubric.prompt(row[c], row[l], 400, std::nullopt);
        auto r = offline_judge(p, "id");
        REQUIRE(rubric.validate(r.answer_json) == "");
        rapidjson::Document d;
        d.Parse(r.answer_json.c_str());
        std::string got = d["label"].GetString();
        if (row[l] == "safe") {
            ++safe;
            safe_hit += got == "safe";
        } else {
            ++flagged;
            // A flagged row counts when the keyword judge also flags it (any non-safe label).
            flagged_hit += got != "safe";
        }
    }
    double flagged_recall = double(flagged_hit) / flagged;
    double safe_recall = double(safe_hit) / safe;
    INFO("flagged recall " << flagged_recall << ", safe recall " << safe_recall);
    // Measured 2026-11-25: flagged recall 0.61, safe recall 0.81 (accuracy over the nine labels
    // 0.67; always "safe" would score 0.69 accuracy with flagged recall 0). The floors leave room
    // for keyword tuning and are far above what always answering "safe" (flagged recall 0) or
    // always flagging (safe recall 0) gives.
    CHECK(flagged_recall > 0.45);
    CHECK(safe_recall > 0.7);
}
