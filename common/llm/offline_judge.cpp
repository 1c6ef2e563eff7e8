// llm/offline_judge: a keyword classifier standing in for a judge model (no network, no LLM).
//
// It reads the facts the judge put in `prompt.vars`:
//   content      the post to grade
//   labels       the label names, one per line, in spec order
//   definitions  their definitions, one per line, same order (optional)
//   our_label    the label we gave the post (only when the judge is not blind)
// and answers the judge's JSON {label, realism, issues, rationale} (+ verdict when not blind).
//
// Each label is scored by the keywords it matches: built-in lists for the concepts moderation
// label sets use (spam, self-harm, privacy, hate, harassment, sexual, minors, violence, graphic,
// threats) chosen by the label's name, plus words from the label's name and definition. A label
// "a/b" (a sub-category such as "hate/threatening") needs both parts to match. When nothing
// scores, the safe-looking label (Safe, none, ...) is the answer.
#include "common/llm/offline_judge.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace synthmod::llm {

namespace {

/// A moderation concept: the label-name fragments that select it and the words it looks for.
/// Shapes of text that count as evidence without a keyword (phone numbers, sums of money).
enum class Shape { kNone, kPersonalData, kMoney };

struct Concept {
    std::vector<std::string_view> triggers;  ///< matched against the lower-cased label name
    std::vector<std::string_view> keywords;  ///< words (token match) or phrases (with a space)
    /// Phrases that make the concept unlikely whatever else matched: a scam warning is not a
    /// scam, "this exam is killing me" is not self-harm.
    std::vector<std::string_view> negatives = {};
    Shape shape = Shape::kNone;
};

// Keyword tables read best packed, so clang-format leaves them alone.
// clang-format off
const std::vector<Concept>& concepts() {
    static const std::vector<Concept> kConcepts = {
        // Spam & Scams
        {{"spam", "scam", "fraud", "phishing"},
         {"free", "winner", "prize", "click", "click here", "link in bio", "limited time",
          "act now", "offer", "discount", "promo code", "giveaway", "congratulations", "claim",
          "crypto", "bitcoin", "investment", "guaranteed", "earn $", "make money",
          "work from home", "dm me", "buy now", "cash", "double your", "verify your account",
          "gift card", "subscribe", "http", "www", "followers", "100%", "risk free",
          "wire transfer", "bank details", "lottery", "inheritance", "exclusive deal", "forex",
          "passive income", "only today", "whatsapp", "dm for", "dm to", "comment yes",
          "comment info", "per day", "a week from", "dear customer", "customs fee", "unpaid",
          "confirm your identity", "shipping fee", "trustworthy person", "keep this between us",
          "pay you back", "pay u back", "autopilot", "authentic", "limited stock", "catalogue",
          "reply with your", "card details", "today's winner", "this one trick", "telegram",
          "engagement", "signals", "get paid", "no interview", "starter kit", "rewards program",
          "account suspended", "suspended", "unlock my account", "late uncle", "arbitrage",
          "% off", "meme coin", "check the link", "link in my profile", "check my profile",
          "message me", "from home", "five-star reviews", "go viral", "changed my life",
          "as little as", "made back", "not a scam"},
         {"heads up", "report it", "block them", "don't fall for", "dont fall for", "be careful",
          "it's a scam", "its a scam", "watch out", "beware", "psa", "almost fell", "fell for it",
          "got scammed", "was scammed", "the usual scam", "never text you", "never ask"},
         Shape::kMoney},
        // Self-harm & Suicide (also OpenAI's "self-harm")
        {{"self-harm", "self harm", "selfharm", "suicid"},
         {"kill myself", "suicide", "suicidal", "end my life", "end it all", "want to die",
          "wanna die", "self-harm", "self harm", "cutting", "cut myself", "hurt myself",
          "no reason to live", "overdose", "better off without me", "not worth living",
          "don't want to be here", "dont want to be here", "can't go on", "cant go on",
          "hopeless", "razor", "pills", "goodbye forever", "take my own life", "relapse",
          "scars", "starve myself", "disappear forever", "stop existing", "be alive",
          "not going to be around", "burden", "reasons to keep going", "reason to keep going",
          "last post", "made up my mind", "can't do this anymore", "cant do this anymore",
          "how much longer", "want to wake up", "wouldn't wake up", "not wake up",
          "don't wake up", "sleep forever", "no point in living", "point in living",
          "end things", "hurting myself", "so i don't have to keep going",
          "wish i was dead", "wish i were dead", "this is goodbye", "goodbye everyone", "not be here", "won't be here",
          "everyone would be better off", "better off without", "die", "feel like a burden",
          "be here next week", "leave something behind", "point of anything", "point anymore",
          "nothing has felt worth", "noise in my head to stop", "about dying", "killing myself",
          "killing yourself", "lighter without me", "without me in it", "trust myself tonight",
          "my last", "final goodbye", "pills saved", "note for my", "didn't wake up",
          "giving my things away", "right time to go", "for it all to end", "just end it",
          "ending my life", "if i was gone", "if i were gone", "i'm done", "bye everyone",
          "at peace with it", "tired of fighting", "take care of yourselves"},
         {"killing me", "i'd die for", "id die for", "dying to", "die laughing", "to die for",
          "years clean", "prevention", "hotline"}},
        // Privacy & Personal Data Exposure
        {{"privacy", "personal data", "personal information", "pii", "dox"},
         {"address", "home address", "phone number", "his number", "her number", "lives at",
          "lives on", "social security", "ssn", "dox", "doxx", "credit card", "password",
          "email is", "date of birth", "license plate", "passport", "bank account",
          "account number", "where she lives", "where he lives", "full name", "leaked",
          "her address", "his address", "call her", "call him", "personal info", "ip address",
          "workplace", "@", "diagnosed", "probation", "leak", "leaked", "appointment list",
          "medical records", "customer records", "employee records", "card", "exp", "id card", "booked in", "his officer", "her officer",
          "immigration status", "pass it around", "screenshot", "my full details", "told hr",
          "payroll", "id numbers", "boarding pass", "booking ref", "database", "she has hiv",
          "he has hiv", "has epilepsy", "has cancer", "has depression", "home is", "ssn"},
         {"protect your", "never share your", "don't share your", "dont share your", "cover your",
          "before you post", "before u post"},
         Shape::kPersonalData},
        // hate (OpenAI) / Hate speech
        {{"hate", "hateful", "discriminat"},
         {"hate", "inferior", "subhuman", "vermin", "go back to", "those people", "race",
          "racist", "religion", "muslims", "jews", "immigrants", "gays", "blacks", "whites",
          "mexicans", "women are", "men are", "disgusting", "filthy", "exterminate", "nazi",
          "genocide", "deport", "animals", "savages", "their kind", "breed", "ethnic"}},
        // harassment / bullying
        {{"harass", "bully", "insult", "abuse"},
         {"idiot", "stupid", "loser", "ugly", "shut up", "nobody likes you", "pathetic",
          "moron", "dumb", "worthless", "you're a", "youre a", "you are a", "kill yourself",
          "kys", "fat", "freak", "disgrace", "clown", "bitch", "retard", "trash", "fuck you",
          "screw you", "get lost", "hope you"}},
        // sexual
        {{"sexual", "sex", "nsfw", "adult", "nudity", "porn"},
         {"sex", "sexy", "naked", "nude", "porn", "horny", "orgasm", "breasts", "boobs",
          "dick", "pussy", "cock", "fuck me", "blowjob", "erotic", "aroused", "moan", "lick",
          "suck", "cum", "penis", "vagina", "tits", "ass", "kiss", "kinky", "fetish",
          "masturbat", "undress", "slut"}},
        // minors (OpenAI "sexual/minors")
        {{"minor", "child", "underage", "csam"},
         {"child", "kid", "underage", "teen", "teenage", "year old", "years old", "little girl",
          "little boy", "school", "schoolgirl", "daughter", "son", "minor", "student", "young",
          "loli", "preteen", "babysit", "stepdaughter", "stepson", "niece", "nephew"}},
        // violence
        {{"violen", "weapon", "gore", "threat", "extremis", "terror"},
         {"kill", "murder", "shoot", "stab", "gun", "blood", "beat", "punch", "attack", "bomb",
          "dead", "knife", "torture", "shot", "slaughter", "strangle", "choke", "burn",
          "massacre", "weapon", "rifle", "assault", "fight", "war", "execute", "behead",
          "explode", "hurt", "die"}},
        // graphic (OpenAI "violence/graphic")
        {{"graphic", "gore"},
         {"blood", "gore", "guts", "brains", "decapitat", "mutilat", "corpse", "severed",
          "dismember", "bleeding", "organs", "flesh", "bones", "skull", "intestines", "rotting",
          "entrails", "splatter", "gory"}},
        // threatening (OpenAI "hate/threatening", threats)
        {{"threat"},
         {"i will kill", "i'll kill", "im going to", "i'm going to", "gonna kill", "will find you",
          "watch your back", "you will die", "should be killed", "deserve to die", "should die",
          "kill all", "exterminate", "wipe out", "hang them", "shoot them", "burn them",
          "lynch", "gas them", "must die", "death to", "i know where you live"}},
    };
    return kConcepts;
}
// clang-format on

/// Words too common to say anything about a label (for words taken from definitions).
// clang-format off
const std::set<std::string>& stopwords() {
    static const std::set<std::string> kStop = {
        "about", "above", "after", "again", "against", "also", "another", "anyone", "anything",
        "because", "been", "before", "being", "between", "both", "content", "could", "does",
        "doing", "during", "each", "either", "else", "every", "example", "examples", "expresses",
        "from", "have", "having", "here", "including", "includes", "into", "itself", "just",
        "like", "made", "make", "many", "more", "most", "much", "must", "never", "none", "only",
        "other", "others", "over", "people", "person", "post", "posts", "promotes", "refers",
        "same", "should", "some", "someone", "something", "such", "text", "than", "that",
        "their", "them", "then", "there", "these", "they", "this", "those", "through", "under",
        "user", "users", "very", "what", "when", "where", "which", "while", "with", "within",
        "without", "would", "your", "message", "messages", "comment", "comments", "label",
        "labels", "category", "policy", "violation", "violations", "depicts", "depicting",
        "describes", "describing", "encourages", "encouraging", "towards", "toward", "based",
        "specific", "group", "groups", "target", "targeted", "targeting", "intended", "intent",
        "ordinary", "everyday", "normal", "public", "online",
    };
    return kStop;
}
// clang-format on

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80 || c == '\''; }

/// Lower-cased text with every run of non-word bytes turned into one space, padded with spaces:
/// " i can't go on " — phrases are then found as " phrase" substrings.
std::string padded_words(std::string_view content) {
    std::string out = " ";
    std::string lower = lower_ascii(content);
    // Curly apostrophes (U+2019) count as ASCII ones.
    for (std::size_t pos; (pos = lower.find("\xe2\x80\x99")) != std::string::npos;)
        lower.replace(pos, 3, "'");
    for (unsigned char c : lower) {
        if (is_word_byte(c))
            out.push_back(static_cast<char>(c));
        else if (out.back() != ' ')
            out.push_back(' ');
    }
    if (out.back() != ' ') out.push_back(' ');
    return out;
}

std::vector<std::string> tokens_of(const std::string& padded) {
    std::vector<std::string> out;
    std::istringstream in(padded);
    for (std::string t; in >> t;) {
        while (!t.empty() && t.front() == '\'') t.erase(t.begin());
        while (!t.empty() && t.back() == '\'') t.pop_back();
        if (!t.empty()) out.push_back(t);
    }
    return out;
}

/// Whether a keyword occurs: one holding a symbol ("earn $", "@") as a plain substring; a phrase
/// as a substring starting at a word boundary; a word as a token equal to it, its plural, or
/// (5+ letters) a token it starts ("masturbat" -> "masturbating").
bool occurs(std::string_view keyword, const std::string& raw_lower, const std::string& padded,
            const std::vector<std::string>& tokens) {
    bool phrase = keyword.find(' ') != std::string_view::npos;
    bool symbolic = std::any_of(keyword.begin(), keyword.end(), [](char c) {
        return c != ' ' && !is_word_byte(static_cast<unsigned char>(c));
    });
    if (symbolic) return raw_lower.find(keyword) != std::string::npos;
    if (phrase) return padded.find(" " + std::string(keyword)) != std::string::npos;
    for (const auto& t : tokens) {
        if (t == keyword) return true;
        if (t.size() == keyword.size() + 1 && t.back() == 's' &&
            t.compare(0, keyword.size(), keyword) == 0)
            return true;
        if (keyword.size() >= 5 && t.compare(0, keyword.size(), keyword) == 0) return true;
    }
    return false;
}

bool is_safe_name(const std::string& name) {
    static const std::set<std::string> kSafe = {
        "safe",    "none",       "ok",           "benign",      "clean",
        "neutral", "acceptable", "no violation", "not harmful", "harmless"};
    return kSafe.count(lower_ascii(name)) > 0;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::string line;
    std::istringstream in(s);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

/// Content words (4+ letters, not stop words) of a label's name or definition.
std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& t : tokens_of(padded_words(text))) {
        if (t.size() < 4 || stopwords().count(t)) continue;
        if (std::any_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); }))
            continue;
        if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
    return out;
}

/// How one label (or one part of an "a/b" label) scored: weight and the keywords it matched.
struct Score {
    int points = 0;
    std::vector<std::string> matched;
    std::vector<int> weights;
    void add(std::string_view keyword, int weight) {
        std::string k(keyword);
        if (std::find(matched.begin(), matched.end(), k) != matched.end()) return;
        matched.push_back(k);
        weights.push_back(weight);
        points += weight;
    }
};

constexpr int kConceptWeight = 2;  ///< a built-in keyword
constexpr int kStrongWeight = 3;   ///< a built-in phrase or long word: specific enough alone
constexpr int kWordWeight = 1;     ///< a word from the label's name or definition
constexpr int kMinPoints = 3;      ///< below this a label does not beat the safe fallback

bool has_number(const std::string& raw, bool real_only);
bool has_street_address(const std::vector<std::string>& tokens);
bool has_card_number(const std::string& raw);
bool has_money(const std::string& raw);

/// Scores one label name (or one part of an "a/b" name) by the concepts its name selects and
/// the words of the name itself. `*selected` tells whether any built-in concept applied.
Score score_part(const std::string& part_name, const std::string& raw, const std::string& raw_lower,
                 const std::string& padded, const std::vector<std::string>& tokens,
                 bool* selected_any) {
    Score s;
    std::string name = lower_ascii(part_name);
    for (const auto& c : concepts()) {
        bool selected = std::any_of(c.triggers.begin(), c.triggers.end(), [&](std::string_view t) {
            return name.find(t) != std::string::npos;
        });
        if (!selected) continue;
        *selected_any = true;
        Score cs;
        for (auto k : c.keywords) {
            bool strong = k.find(' ') != std::string_view::npos || k.size() >= 7;
            if (occurs(k, raw_lower, padded, tokens))
                cs.add(k, strong ? kStrongWeight : kConceptWeight);
        }
        if (c.shape == Shape::kPersonalData) {
            if (has_number(raw, false)) cs.add("<phone number>", kStrongWeight);
            if (has_street_address(tokens)) cs.add("<street address>", kStrongWeight);
            if (has_card_number(raw)) cs.add("<card number>", kStrongWeight);
        } else if (c.shape == Shape::kMoney && has_money(raw)) {
            cs.add("<sum of money>", kConceptWeight);
        }
        bool negated = std::any_of(c.negatives.begin(), c.negatives.end(), [&](std::string_view n) {
            return occurs(n, raw_lower, padded, tokens);
        });
        if (negated) continue;  // e.g. a scam warning: the concept's evidence does not count
        for (std::size_t i = 0; i < cs.matched.size(); ++i) s.add(cs.matched[i], cs.weights[i]);
    }
    for (const auto& w : words_of(part_name))
        if (occurs(w, raw_lower, padded, tokens)) s.add(w, kConceptWeight);
    return s;
}

Score score_label(const std::string& name, const std::string& definition, const std::string& raw,
                  const std::string& raw_lower, const std::string& padded,
                  const std::vector<std::string>& tokens) {
    // "a/b" is a sub-category: every part must match.
    std::vector<std::string> parts;
    std::string part;
    for (char c : name) {
        if (c == '/') {
            parts.push_back(part);
            part.clear();
        } else {
            part.push_back(c);
        }
    }
    parts.push_back(part);
    Score total;
    bool selected_any = false;
    for (const auto& p : parts) {
        Score s = score_part(p, raw, raw_lower, padded, tokens, &selected_any);
        if (s.points == 0 && parts.size() > 1) return Score{};
        for (std::size_t i = 0; i < s.matched.size(); ++i) total.add(s.matched[i], s.weights[i]);
    }
    // Definition words only for labels no built-in concept covers (their lists are sharper).
    if (!selected_any)
        for (const auto& w : words_of(definition))
            if (occurs(w, raw_lower, padded, tokens)) total.add(w, kWordWeight);
    return total;
}

/// How an assistant's answer opens, as opposed to a user's post.
constexpr std::string_view kAssistantOpenings[] = {
    "here is a", "here's a", "here is an", "here's an", "here is the", "here's the", "sure,",
    "sure!",     "sure.",    "sure thing", "certainly", "title:",      "subject:",   "post:",
    "tweet:",    "comment:", "review:",    "caption:",  "as requested"};

bool contains_any(const std::string& haystack, const std::vector<std::string_view>& needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view n) { return haystack.find(n) != std::string::npos; });
}

bool is_reserved_domain(const std::string& domain) {
    static const std::vector<std::string_view> kReserved = {
        "example.com", "example.org", "example.net", ".example",   ".test",      ".invalid",
        ".localhost",  "domain.com",  "email.com",   "yourdomain", "company.com"};
    for (auto r : kReserved) {
        if (domain.size() >= r.size() && domain.compare(domain.size() - r.size(), r.size(), r) == 0)
            return true;
    }
    return false;
}

/// A real-looking e-mail address (not example.com and friends).
bool has_real_email(const std::string& raw_lower) {
    for (std::size_t at = raw_lower.find('@'); at != std::string::npos;
         at = raw_lower.find('@', at + 1)) {
        auto local_ok = [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                   c == '-' || c == '+';
        };
        std::size_t b = at;
        while (b > 0 && local_ok(raw_lower[b - 1])) --b;
        std::size_t e = at + 1;
        while (e < raw_lower.size() && (std::isalnum(static_cast<unsigned char>(raw_lower[e])) ||
                                        raw_lower[e] == '.' || raw_lower[e] == '-'))
            ++e;
        std::string domain = raw_lower.substr(at + 1, e - at - 1);
        while (!domain.empty() && domain.back() == '.') domain.pop_back();
        if (b == at || domain.find('.') == std::string::npos) continue;
        if (!is_reserved_domain(domain)) return true;
    }
    return false;
}

/// A phone number (10-11 digits with the usual separators, or a 555-01xx number) or a US social
/// security number shape (ddd-dd-dddd). `real_only`: not the fictional 555 numbers.
bool has_number(const std::string& raw, bool real_only) {
    for (std::size_t i = 0; i < raw.size();) {
        if (!std::isdigit(static_cast<unsigned char>(raw[i])) && raw[i] != '+' && raw[i] != '(') {
            ++i;
            continue;
        }
        std::size_t j = i;
        std::string digits, shape;
        while (j < raw.size()) {
            char c = raw[j];
            if (std::isdigit(static_cast<unsigned char>(c))) {
                digits.push_back(c);
                shape.push_back('d');
            } else if (c == '-' || c == '.' || c == ' ' || c == '(' || c == ')' || c == '+') {
                bool digit_next =
                    j + 1 < raw.size() &&
                    (std::isdigit(static_cast<unsigned char>(raw[j + 1])) || raw[j + 1] == '(');
                if (c == ' ' && !digit_next) break;
                shape.push_back(c);
            } else {
                break;
            }
            ++j;
        }
        if (shape == "ddd-dd-dddd" &&
            (!real_only || (digits.compare(0, 3, "000") != 0 && digits.compare(0, 3, "666") != 0)))
            return true;
        bool separated = shape.find_first_of("-. ()") != std::string::npos;
        if (digits.size() == 10 || (digits.size() == 11 && digits[0] == '1')) {
            std::string local = digits.substr(digits.size() - 10);
            bool fictional = local.compare(3, 3, "555") == 0 || local.compare(0, 3, "555") == 0;
            if ((!fictional || !real_only) && separated) return true;
        }
        if (!real_only && digits.size() == 7 && digits.compare(0, 3, "555") == 0 && separated)
            return true;
        i = j > i ? j : i + 1;
    }
    return false;
}

/// A street address: a house number, up to three words, then a street type ("12 Elm Street").
bool has_street_address(const std::vector<std::string>& tokens) {
    static const std::set<std::string> kStreet = {
        "street", "st",    "avenue",   "ave",       "road",    "rd",      "lane",
        "ln",     "drive", "dr",       "boulevard", "blvd",    "way",     "court",
        "ct",     "close", "crescent", "place",     "terrace", "strasse", "rue"};
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        if (t.empty() || t.size() > 5 ||
            !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); }))
            continue;
        for (std::size_t j = i + 2; j < tokens.size() && j <= i + 4; ++j)
            if (kStreet.count(tokens[j])) return true;
    }
    return false;
}

/// Four groups of four digits ("4111 1111 1111 1111", dashes or spaces).
bool has_card_number(const std::string& raw) {
    int groups = 0, run = 0;
    for (std::size_t i = 0; i <= raw.size(); ++i) {
        char c = i < raw.size() ? raw[i] : '\0';
        if (std::isdigit(static_cast<unsigned char>(c))) {
            ++run;
            continue;
        }
        if (run == 4 && (c == ' ' || c == '-') && groups < 3) {
            ++groups;
        } else if (run == 4 && groups == 3) {
            return true;
        } else {
            groups = 0;
        }
        run = 0;
    }
    return false;
}

/// A sum of money: "$" or "€" or "£" followed by a digit.
bool has_money(const std::string& raw) {
    for (const char* sign : {"$", "\xe2\x82\xac", "\xc2\xa3"}) {
        std::size_t len = std::char_traits<char>::length(sign);
        for (std::size_t p = raw.find(sign); p != std::string::npos; p = raw.find(sign, p + 1))
            if (p + len < raw.size() && std::isdigit(static_cast<unsigned char>(raw[p + len])))
                return true;
    }
    return false;
}

std::string json_answer(const std::string& label, int realism,
                        const std::vector<std::string>& issues, const std::string* rationale,
                        const std::string* verdict) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    if (verdict) {
        w.Key("verdict");
        w.String(verdict->c_str(), static_cast<rapidjson::SizeType>(verdict->size()));
    }
    w.Key("label");
    w.String(label.c_str(), static_cast<rapidjson::SizeType>(label.size()));
    w.Key("realism");
    w.Int(realism);
    w.Key("issues");
    w.StartArray();
    for (const auto& i : issues) w.String(i.c_str(), static_cast<rapidjson::SizeType>(i.size()));
    w.EndArray();
    if (rationale) {
        w.Key("rationale");
        w.String(rationale->c_str(), static_cast<rapidjson::SizeType>(rationale->size()));
    }
    w.EndObject();
    return buf.GetString();
}

std::string quoted_list(const std::vector<std::string>& words, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < words.size() && i < max; ++i) {
        if (i) out += ", ";
        out += "\"" + words[i] + "\"";
    }
    if (words.size() > max) out += ", ...";
    return out;
}

}  // namespace

Result offline_judge(const Prompt& prompt, const std::string& item_id) {
    auto var = [&](const char* key) -> std::string {
        auto it = prompt.vars.find(key);
        return it == prompt.vars.end() ? std::string() : it->second;
    };
    const std::string content = var("content");
    std::vector<std::string> labels = split_lines(var("labels"));
    std::vector<std::string> definitions = split_lines(var("definitions"));
    labels.erase(std::remove(labels.begin(), labels.end(), std::string()), labels.end());
    Result result;
    if (labels.empty()) {
        result.status = Status::kFailed;
        result.error = "offline judge: the prompt lists no labels";
        return result;
    }
    definitions.resize(labels.size());

    const std::string raw_lower = lower_ascii(content);
    const std::string padded = padded_words(content);
    const std::vector<std::string> tokens = tokens_of(padded);

    // --- label: best score; ties go to the label listed first; nothing scored -> safe label.
    int safe_index = -1;
    int best = -1;
    Score best_score;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (is_safe_name(labels[i])) {
            if (safe_index < 0) safe_index = static_cast<int>(i);
            continue;
        }
        Score s = score_label(labels[i], definitions[i], content, raw_lower, padded, tokens);
        if (s.points >= kMinPoints && s.points > best_score.points) {
            best = static_cast<int>(i);
            best_score = s;
        }
    }
    std::string label;
    std::string why;
    if (best >= 0) {
        label = labels[best];
        why = "matched " + quoted_list(best_score.matched, 4);
    } else {
        label = labels[safe_index >= 0 ? safe_index : 0];
        why = safe_index >= 0 ? "no policy keyword matched"
                              : "no keyword matched and no safe label exists, so the first label";
    }

    // --- issues, from the fixed list.
    std::vector<std::string> issues;
    const bool ai_disclaimer = contains_any(
        padded, {" as an ai ", " as a language model", " i'm an ai ", " im an ai ", " i am an ai ",
                 " language model", " i cannot fulfill", " i can't fulfill", " i cannot help with",
                 " i can't help with", " i'm sorry but i can", " i am sorry but i can"});
    const bool placeholder = contains_any(
        raw_lower, {"[name]", "[insert", "[your", "[user", "[link", "[company", "[city", "[phone",
                    "[address", "{{", "}}", "<name>", "lorem ipsum", "xxx-xxx", "[redacted]"});
    // An assistant's framing: the text opens like an answer ("Here's a tweet:", "Title: ...")
    // or carries notes about itself.
    std::size_t start = raw_lower.find_first_not_of(" \t\r\n\"'*#>");
    const std::string opening = start == std::string::npos ? "" : raw_lower.substr(start, 40);
    const bool templated =
        std::any_of(std::begin(kAssistantOpenings), std::end(kAssistantOpenings),
                    [&](std::string_view o) { return opening.compare(0, o.size(), o) == 0; }) ||
        contains_any(raw_lower, {"(note:", "\nnote:", "word count:", "hashtags:", "[end of"});
    bool stated = contains_any(raw_lower, {"label:", "category:", "moderation label"});
    for (const auto& l : labels) {
        if (is_safe_name(l)) continue;
        bool compound = l.find_first_of(" &/") != std::string::npos;
        if (compound && raw_lower.find(lower_ascii(l)) != std::string::npos) stated = true;
    }
    bool has_letters = std::any_of(content.begin(), content.end(),
                                   [](unsigned char c) { return std::isalpha(c) || c >= 0x80; });
    if (ai_disclaimer) issues.push_back("ai_disclaimer");
    if (placeholder) issues.push_back("placeholder");
    if (!has_letters) issues.push_back("off_topic");
    if (stated) issues.push_back("label_stated");
    if (has_real_email(raw_lower) || has_number(content, true)) issues.push_back("real_pii");
    if (templated) issues.push_back("not_user_generated");

    // --- realism 1-5 from simple cues.
    std::size_t words = tokens.size();
    int realism = 3;
    if (words >= 5 && words <= 150) ++realism;
    bool casual = contains_any(padded, {" lol ", " tbh ", " idk ", " omg ", " imo ", " ngl ",
                                        " lmao ", " u ", " ur ", " gonna ", " wanna "}) ||
                  content.find("!") != std::string::npos ||
                  content.find("...") != std::string::npos ||
                  padded.find("'") != std::string::npos ||
                  (!content.empty() && std::islower(static_cast<unsigned char>(content[0])));
    if (casual) ++realism;
    if (words < 3) --realism;
    if (templated) --realism;
    if (stated) --realism;
    if (placeholder) realism = std::min(realism, 2);
    if (ai_disclaimer) realism = 1;
    realism = std::max(1, std::min(5, realism));

    std::string rationale = "Keyword classifier (offline, not a model): \"" + label +
                            "\" because " + why + "; realism " + std::to_string(realism) +
                            " from length and style cues.";

    // --- verdict when not blind.
    std::string our_label = var("our_label");
    bool blind = prompt.vars.find("our_label") == prompt.vars.end();
    std::string verdict = (!blind && our_label == label) ? "agree" : "disagree";

    result.status = Status::kOk;
    // The rubric asked for no rationale (spec [judge] rationale = false): the schema has none.
    const bool with_rationale = var("rationale") != "no";
    result.answer_json = json_answer(label, realism, issues, with_rationale ? &rationale : nullptr,
                                     blind ? nullptr : &verdict);
    result.stop_reason = "tool_use";
    std::size_t in_chars = prompt.system.size() + prompt.user.size() + prompt.schema_json.size();
    result.usage.input_tokens = static_cast<std::int64_t>((in_chars + 3) / 4);
    result.usage.output_tokens = static_cast<std::int64_t>((result.answer_json.size() + 3) / 4);
    result.request_id = "offline-" + item_id;
    return result;
}

}  // namespace synthmod::llm
