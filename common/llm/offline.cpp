// llm/offline: the built-in offline provider. Composes believable user posts from per-label
// phrase banks, the persona and the context, deterministically from the item id. No network.
// It is not an LLM: its model is named "offline" in every output.
#include "common/llm/offline.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/llm/multi_item.h"
#include "common/llm/offline_banks.h"
#include "common/llm/offline_judge.h"

namespace synthmod::llm {

namespace {

using namespace offline_banks;

/// splitmix64 seeded from FNV-1a of the item id: the same id gives the same post everywhere
/// (std::hash and <random> distributions differ between standard libraries).
class Rng {
   public:
    explicit Rng(const std::string& seed) {
        std::uint64_t h = 1469598103934665603ULL;
        for (unsigned char c : seed) {
            h ^= c;
            h *= 1099511628211ULL;
        }
        state_ = h;
    }
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
    bool chance(int percent) { return static_cast<int>(next() % 100) < percent; }
    const char* from(const Bank& bank) { return bank[pick(bank.size())]; }

   private:
    std::uint64_t state_;
};

/// How a persona writes.
enum class Voice { kYoung, kAdult, kOlder };

/// What the offline writer takes from a persona's prose.
struct PersonaTraits {
    std::string role;      ///< "retired nurse"; empty when nothing usable was found
    std::string interest;  ///< "birdwatching"; empty when nothing usable was found
    Voice voice = Voice::kAdult;
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool is_ascii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

std::string trim_words(const std::string& s, std::size_t max_words) {
    std::istringstream in(s);
    std::string word, out;
    std::size_t n = 0;
    while (in >> word && n < max_words) {
        if (!out.empty()) out += ' ';
        out += word;
        ++n;
    }
    while (!out.empty() && std::ispunct(static_cast<unsigned char>(out.back()))) out.pop_back();
    return out;
}

/// Cuts `s` at the first of `stops` (lower-cased search).
std::string cut_at(const std::string& s, const std::vector<std::string>& stops) {
    std::string low = lower(s);
    std::size_t end = s.size();
    for (const auto& stop : stops) {
        std::size_t p = low.find(stop);
        if (p != std::string::npos && p < end) end = p;
    }
    return s.substr(0, end);
}

/// The persona's role as a short noun phrase ("night-shift nurse", "software testing engineer"):
/// the first words after the article, stopping at a clause word, a preposition, punctuation,
/// or a participle that starts a clause ("scholar studying the ..."). At most three words.
std::string role_of(const std::string& persona) {
    static const std::set<std::string> stops = {
        "who",        "with",    "that",    "from",    "living", "based",  "and", "in",
        "at",         "on",      "whose",   "known",   "of",     "for",    "to",  "by",
        "about",      "as",      "whom",    "which",   "is",     "was",    "has", "interested",
        "passionate", "working", "seeking", "looking", "trying", "aiming", "or",  "but"};
    static const std::set<std::string> clause_starts = {
        "a",   "an",      "the", "in",    "on",   "at",        "of",     "for",
        "to",  "with",    "by",  "about", "from", "their",     "his",    "her",
        "how", "various", "new", "local", "and",  "different", "complex"};
    std::istringstream in(persona);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    std::size_t i = 0, n = words.size();
    if (n >= 2 && lower(words[0]) == "i" && lower(words[1]) == "am")
        i = 2;
    else if (n >= 1 && lower(words[0]) == "i'm")
        i = 1;
    if (i < n && (lower(words[i]) == "a" || lower(words[i]) == "an" || lower(words[i]) == "the"))
        ++i;
    std::vector<std::string> out;
    for (; i < n && out.size() < 3; ++i) {
        std::string w = lower(words[i]);
        bool ends_phrase = false;
        while (!w.empty() && std::ispunct(static_cast<unsigned char>(w.back()))) {
            w.pop_back();
            ends_phrase = true;
        }
        if (w.empty() || stops.count(w) || w.find_first_of("\"()") != std::string::npos) break;
        if (w.find("-year-old") != std::string::npos) continue;  // "16-year-old skater"
        bool participle = w.size() > 4 && w.compare(w.size() - 3, 3, "ing") == 0;
        if (participle && !out.empty() && (i + 1 >= n || clause_starts.count(lower(words[i + 1]))))
            break;
        out.push_back(w);
        if (ends_phrase) break;
    }
    std::string role;
    for (const auto& w : out) role += (role.empty() ? "" : " ") + w;
    return role.size() >= 3 && role.size() <= 40 ? role : std::string();
}

PersonaTraits read_persona(const std::string& persona) {
    PersonaTraits t;
    std::string low = lower(persona);
    if (low.find("teen") != std::string::npos ||
        low.find("high school student") != std::string::npos ||
        low.find("college student") != std::string::npos ||
        low.find("university student") != std::string::npos ||
        low.find("gen z") != std::string::npos)
        t.voice = Voice::kYoung;
    if (low.find("retired") != std::string::npos || low.find("retiree") != std::string::npos ||
        low.find("grandmother") != std::string::npos ||
        low.find("grandfather") != std::string::npos ||
        low.find("grandparent") != std::string::npos ||
        low.find("veteran of") != std::string::npos || low.find("wwii") != std::string::npos)
        t.voice = Voice::kOlder;
    std::size_t yo = low.find("-year-old");
    if (yo != std::string::npos) {
        std::size_t b = yo;
        while (b > 0 && std::isdigit(static_cast<unsigned char>(low[b - 1]))) --b;
        if (b < yo && yo - b <= 3) {
            int age = std::stoi(low.substr(b, yo - b));
            t.voice = age < 23 ? Voice::kYoung : age >= 62 ? Voice::kOlder : Voice::kAdult;
        }
    }
    if (!is_ascii(persona)) return t;  // no phrase surgery on scripts we cannot parse here

    t.role = role_of(persona);

    // Interest: what follows a phrase of liking, up to the next clause boundary.
    for (const char* cue : {"passionate about ", "interested in ", "interest in ", "love for ",
                            "loves ", "enjoys ", "fan of ", "obsessed with ", "into ",
                            "specializing in ", "hobby is ", "spends weekends ", "collects "}) {
        std::size_t p = low.find(cue);
        if (p == std::string::npos) continue;
        std::string rest = persona.substr(p + std::string(cue).size());
        rest = cut_at(rest,
                      {",", ".", " and ", " who ", " with ", ";", " while ", " but ", "(", "\""});
        rest = trim_words(rest, 4);
        if (rest.size() >= 3) {
            t.interest = lower(rest);
            break;
        }
    }
    return t;
}

std::string two_digits(Rng& rng) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02u", static_cast<unsigned>(rng.pick(100)));
    return buf;
}

std::string digits(Rng& rng, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng.pick(10));
    return s;
}

/// Values of the slots of one post, drawn lazily from the item's generator.
class Slots {
   public:
    Slots(Rng& rng, const PersonaTraits& traits, const std::string& definition)
        : rng_(rng), traits_(traits), definition_(definition) {}

    std::string value(const std::string& key) {
        Rng& r = rng_;
        if (key == "role") return role();
        if (key == "a_role") {
            std::string rl = role();
            bool vowel = !rl.empty() && std::string("aeiou").find(rl[0]) != std::string::npos;
            return (vowel ? "an " : "a ") + rl;
        }
        if (key == "interest")
            return traits_.interest.empty() ? interest_fallback() : traits_.interest;
        if (key == "name") return first();
        if (key == "full_name") return first() + " " + r.from(kLast);
        if (key == "name_m") return person(male_);
        if (key == "name_f") return person(female_);
        if (key == "full_name_m") return person(male_) + " " + surname();
        if (key == "full_name_f") return person(female_) + " " + surname();
        if (key == "handle") return lower(r.from(kFirst)) + digits(r, 2);
        if (key == "phone") {
            std::string local = "555-01" + two_digits(r);
            switch (r.pick(4)) {
                case 0:
                    return "(" + std::to_string(200 + r.pick(700)) + ") " + local;
                case 1:
                    return "+1 " + std::to_string(200 + r.pick(700)) + " " + local;
                default:
                    return local;
            }
        }
        if (key == "email" || key == "email2" || key == "email3") {
            static const Bank domains = {"example.com", "example.org", "example.net"};
            // The e-mail of the person the post is about, when there is one (key "email").
            const std::string& who = !male_.empty() ? male_ : female_;
            std::string user = lower(key == "email" && !who.empty() ? who : r.from(kFirst));
            switch (r.pick(3)) {
                case 0:
                    user += "." + lower(r.from(kLast));
                    break;
                case 1:
                    user += digits(r, 2);
                    break;
                default:
                    user += "_" + lower(r.from(kLast)).substr(0, 1);
            }
            return user + "@" + r.from(domains);
        }
        if (key == "url")
            return std::string("https://") + r.from(kHosts) + ".example.com/" + r.from(kPaths);
        if (key == "address")
            return std::to_string(10 + r.pick(980)) + " " + r.from(kStreets) + ", " + city();
        if (key == "ssn") return "000-" + two_digits(r) + "-" + digits(r, 4);
        if (key == "card") return "0000 " + digits(r, 4) + " " + digits(r, 4) + " 0000";
        if (key == "booking") return "XX" + digits(r, 4);
        if (key == "dob")
            return std::to_string(1 + r.pick(12)) + "/" + std::to_string(1 + r.pick(28)) + "/19" +
                   std::to_string(60 + r.pick(40));
        if (key == "amount_small")
            return "$" + std::to_string(5 + r.pick(95)) + (r.chance(50) ? ".99" : "");
        if (key == "amount_big")
            return "$" + std::to_string(2 + r.pick(40)) + "," + std::to_string(100 + r.pick(900));
        if (key == "amount_day") return "$" + std::to_string(150 + 10 * r.pick(60));
        if (key == "days" || key == "n") return std::to_string(3 + r.pick(27));
        if (key == "k") return std::to_string(10 + r.pick(190));
        if (key == "months") return std::to_string(2 + r.pick(20));
        if (key == "city") return city();
        if (key == "coin") return r.from(kCoins);
        if (key == "prize") return r.from(kPrizes);
        if (key == "service") return r.from(kServices);
        if (key == "product") return r.from(kProducts);
        if (key == "platform") return r.from(kPlatforms);
        if (key == "item") return r.from(kItems);
        if (key == "condition") return r.from(kConditions);
        if (key == "family") return r.from(kFamily);
        if (key == "trigger") return r.from(kTriggers);
        if (key == "time_of_day") return r.from(kTimesOfDay);
        if (key == "time_ago") return r.from(kTimesAgo);
        if (key == "day") return r.from(kDays);
        if (key == "definition") return definition_phrase();
        return "{" + key + "}";
    }

    std::string fill(const std::string& tmpl) {
        std::string out;
        for (std::size_t i = 0; i < tmpl.size();) {
            std::size_t close;
            if (tmpl[i] == '{' && (close = tmpl.find('}', i)) != std::string::npos) {
                out += value(tmpl.substr(i + 1, close - i - 1));
                i = close + 1;
            } else {
                out += tmpl[i++];
            }
        }
        return out;
    }

   private:
    std::string first() { return rng_.from(kFirst); }
    std::string role() {
        if (!traits_.role.empty()) return traits_.role;
        if (role_.empty()) role_ = rng_.from(kRoles);
        return role_;
    }
    /// One city per post, so a doxxing post does not wander between continents.
    std::string city() {
        if (city_.empty()) city_ = rng_.from(kCities);
        return city_;
    }
    /// The one man or woman a post talks about: the same first name every time it is used.
    std::string person(std::string& who) {
        if (who.empty()) who = rng_.from(&who == &male_ ? kFirstM : kFirstF);
        return who;
    }
    std::string surname() {
        if (last_.empty()) last_ = rng_.from(kLast);
        return last_;
    }
    std::string interest_fallback() {
        if (interest_.empty()) interest_ = rng_.from(kInterests);
        return interest_;
    }
    /// The definition's first clause, lower-cased, as a user would paraphrase it.
    std::string definition_phrase() {
        std::string d = cut_at(definition_, {".", ";", ":", " (", ","});
        d = trim_words(d, 10);
        return d.empty() ? "this" : lower(d);
    }

    Rng& rng_;
    const PersonaTraits& traits_;
    std::string definition_;
    std::string interest_;  ///< one fallback interest per post, so the post stays coherent
    std::string male_, female_, last_, role_, city_;
};

// ---- context and voice --------------------------------------------------------------------------

enum class Medium { kTweet, kReddit, kReview, kDiscord, kOther };

Medium medium_of(const std::string& context) {
    std::string c = lower(context);
    if (c.find("tweet") != std::string::npos || c.find("twitter") != std::string::npos ||
        c.find("x post") != std::string::npos)
        return Medium::kTweet;
    if (c.find("reddit") != std::string::npos || c.find("forum") != std::string::npos)
        return Medium::kReddit;
    if (c.find("review") != std::string::npos) return Medium::kReview;
    if (c.find("discord") != std::string::npos || c.find("chat") != std::string::npos ||
        c.find("text message") != std::string::npos)
        return Medium::kDiscord;
    return Medium::kOther;
}

void capitalise_first(std::string& s) {
    for (char& c : s) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            return;
        }
        if (!std::isspace(static_cast<unsigned char>(c))) return;
    }
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
        s.replace(p, from.size(), to);
}

/// Casual spellings a young writer uses; applied to some posts only.
void casual_spelling(std::string& s, Rng& rng) {
    static const std::vector<std::pair<const char*, const char*>> swaps = {
        {"because", "bc"},     {" you ", " u "},        {"really", "rly"},       {"though", "tho"},
        {"going to", "gonna"}, {"I don't know", "idk"}, {"to be honest", "tbh"}, {"I'm", "im"},
        {"don't", "dont"},     {"probably", "prob"},    {"something", "smth"},   {"people", "ppl"}};
    for (const auto& [from, to] : swaps)
        if (rng.chance(60)) replace_all(s, from, to);
}

std::string apply_voice(std::string s, Voice voice, Medium medium, Rng& rng) {
    if (voice == Voice::kYoung || medium == Medium::kDiscord) {
        if (voice == Voice::kYoung || rng.chance(50)) {
            s = lower(s);
            casual_spelling(s, rng);
        }
        while (!s.empty() && s.back() == '.') s.pop_back();
        if (voice == Voice::kYoung && rng.chance(45)) {
            static const Bank tails = {" lol", " ngl", " fr", " 😭", " idk", " tbh", " 💀"};
            s += rng.from(tails);
        }
    } else if (voice == Voice::kOlder) {
        capitalise_first(s);
        if (rng.chance(35)) replace_all(s, ". ", "... ");
        if (medium != Medium::kTweet && rng.chance(25))  // nobody signs a tweet
            s += std::string(rng.chance(50) ? "\n- " : "\nRegards, ") + rng.from(kFirst);
    } else {
        if (rng.chance(20))
            s = lower(s.substr(0, 1)) + s.substr(1);
        else
            capitalise_first(s);
    }
    return s;
}

/// Joins the sentence parts of a post, shaped by where it is posted.
std::string compose(const Scenario& sc, const Bank& persona_lines, const Bank& asides,
                    bool hashtags, Slots& slots, Rng& rng, Medium medium, bool persona_first,
                    const PersonaTraits& traits) {
    std::vector<std::string> parts;
    std::set<const char*> used;  // a sentence appears at most once per post
    auto add = [&](const Bank& bank) {
        const char* tmpl = rng.from(bank);
        if (!used.insert(tmpl).second) return;
        std::string part = slots.fill(tmpl);
        if (!part.empty()) parts.push_back(part);
    };
    bool long_form =
        medium == Medium::kReddit || medium == Medium::kReview || medium == Medium::kOther;
    if (medium != Medium::kTweet || rng.chance(60)) add(sc.openers);
    add(sc.cores);
    if (persona_first && !traits.role.empty() && rng.chance(50)) add(persona_lines);
    if (long_form || rng.chance(55)) add(sc.details);
    if (!asides.empty() && rng.chance(long_form ? 70 : 45)) add(asides);
    if (long_form && rng.chance(35)) add(sc.details);
    add(sc.closers);
    if (parts.size() >= 3 && parts[parts.size() - 2] == parts[parts.size() - 3])
        parts.erase(parts.end() - 2);

    std::string sep = medium == Medium::kDiscord && rng.chance(40) ? "\n" : " ";
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            char last = out.back();
            bool joins = last == ':' || last == ',' ||
                         std::isalnum(static_cast<unsigned char>(last)) ||
                         (p[0] >= 'a' && p[0] <= 'z');
            out += joins ? " " : sep;
        }
        out += p;
    }
    if (medium == Medium::kReddit && rng.chance(15)) {
        static const Bank edits = {"\n\nEdit: thanks for the replies.", "\n\nEdit: typo",
                                   "\n\nEDIT: wow this blew up"};
        out += rng.from(edits);
    }
    if (medium == Medium::kTweet && hashtags && rng.chance(30)) {
        std::string tag = traits.interest.empty() ? slots.value("interest") : traits.interest;
        std::string compact;
        for (char c : tag)
            if (std::isalnum(static_cast<unsigned char>(c))) compact += c;
        if (!compact.empty()) out += " #" + compact;
    }
    return out;
}

/// How a label is written: its scenarios, the sentences that anchor a post in the persona (used
/// more by persona-first prompts), and whether hashtags fit.
struct LabelStyle {
    const std::vector<Scenario>* scenarios = nullptr;  ///< null: the generic fallback
    const Bank* persona_lines = nullptr;
    bool hashtags = false;
};

LabelStyle style_of(const std::string& label) {
    static const Bank spam = {"As {a_role} I never believed in this stuff either.",
                              "I'm just {a_role}, if I can do it anyone can.",
                              "Fellow {role}s, this one's for you."};
    static const Bank self_harm = {
        "I'm {a_role} and nobody at work has a clue.",
        "Being {a_role} I'm supposed to be the one who helps people.",
        "I used to lose whole weekends to {interest}, now I can't start anything.",
        "I still show up as {a_role} every day like nothing's wrong."};
    static const Bank privacy = {"I'm {a_role}, I know exactly how easy this is to find.",
                                 "Met them through {interest}, of all things.",
                                 "As {a_role} I see people's details all day anyway."};
    static const Bank safe = {"(Context: {role}, {interest} nerd.)",
                              "I'm {a_role} so weekends are precious.",
                              "Being {a_role} you learn to enjoy the small stuff.",
                              "Not bad for {a_role} with zero free time."};
    static const Bank generic = {"I'm {a_role}, for what it's worth.",
                                 "Speaking as {a_role} here."};
    if (label == "Spam & Scams") return {&spam_bank(), &spam, false};
    if (label == "Self-harm & Suicide") return {&self_harm_bank(), &self_harm, false};
    if (label == "Privacy & Personal Data Exposure") return {&privacy_bank(), &privacy, false};
    if (label == "Safe") return {&safe_bank(), &safe, true};
    return {nullptr, &generic, false};
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

std::string var(const Prompt& prompt, const std::string& key) {
    auto it = prompt.vars.find(key);
    return it == prompt.vars.end() ? std::string() : it->second;
}

/// The label the post is actually written as: the target, or for ~3 % of items another one
/// (a model's drift: a self-harm post that came out as a safe one, a safe post gone spammy).
std::string written_label(const std::string& target, const std::vector<std::string>& labels,
                          Rng& rng) {
    if (rng.pick(1000) >= 30 || labels.size() < 2) return target;
    bool has_safe = false;
    for (const auto& l : labels) has_safe = has_safe || l == "Safe";
    if (target != "Safe" && has_safe) return "Safe";
    for (const auto& l : labels)
        if (l != target) return l;
    return target;
}

class OfflineProvider : public Provider {
   public:
    std::string name() const override { return "offline"; }
    std::string model() const override { return "offline"; }
    bool remote() const override { return false; }

    Result answer_locally(const Prompt& prompt, const std::string& item_id) const override {
        if (!prompt.parts.empty())
            return answer_parts(prompt, [this](const Prompt& one, const std::string& id) {
                return answer_locally(one, id);
            });
        if (prompt.task == "judge") return offline_judge(prompt, item_id);
        Rng rng(item_id);
        std::string target = var(prompt, "label");
        std::vector<std::string> labels = split_lines(var(prompt, "labels"));
        std::string label = written_label(target, labels, rng);
        std::string definition =
            label == target ? var(prompt, "label_definition") : std::string("everyday life");
        PersonaTraits traits = read_persona(var(prompt, "persona"));
        Medium medium = medium_of(var(prompt, "context"));
        bool persona_first = var(prompt, "variant").find("persona") != std::string::npos;

        Slots slots(rng, traits, definition);
        LabelStyle style = style_of(label);
        const Scenario& scenario = style.scenarios
                                       ? (*style.scenarios)[rng.pick(style.scenarios->size())]
                                       : generic_bank();
        std::string content = compose(scenario, *style.persona_lines, asides_of(label),
                                      style.hashtags, slots, rng, medium, persona_first, traits);
        content = apply_voice(content, traits.voice, medium, rng);

        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        w.StartObject();
        w.Key("content");
        w.String(content.c_str(), static_cast<rapidjson::SizeType>(content.size()));
        w.Key("label");
        w.String(label.c_str(), static_cast<rapidjson::SizeType>(label.size()));
        w.EndObject();

        Result result;
        result.status = Status::kOk;
        result.answer_json = buf.GetString();
        result.stop_reason = "tool_use";
        result.usage.input_tokens = static_cast<std::int64_t>(
            (prompt.system.size() + prompt.user.size() + prompt.schema_json.size() + 3) / 4);
        result.usage.output_tokens = static_cast<std::int64_t>((result.answer_json.size() + 3) / 4);
        return result;
    }
};

}  // namespace

std::unique_ptr<Provider> make_offline_provider(const std::string& model) {
    (void)model;  // always "offline": it is not an LLM and never claims to be one
    return std::make_unique<OfflineProvider>();
}

}  // namespace synthmod::llm
