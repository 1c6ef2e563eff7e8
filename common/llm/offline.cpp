// llm/offline: the built-in offline provider. Composes believable user posts from per-label
// phrase banks, the persona and the context, deterministically from the item id. No network.
// It is not an LLM: its model is named "offline" in every output.
#include "common/llm/offline.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "common/llm/offline_judge.h"

namespace synthmod::llm {

namespace {

using Bank = std::vector<const char*>;

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

PersonaTraits read_persona(const std::string& persona) {
    PersonaTraits t;
    std::string low = lower(persona);
    if (low.find("teen") != std::string::npos || low.find("high school student") != std::string::npos ||
        low.find("college student") != std::string::npos ||
        low.find("university student") != std::string::npos || low.find("gen z") != std::string::npos)
        t.voice = Voice::kYoung;
    if (low.find("retired") != std::string::npos || low.find("retiree") != std::string::npos ||
        low.find("grandmother") != std::string::npos || low.find("grandfather") != std::string::npos ||
        low.find("grandparent") != std::string::npos || low.find("veteran of") != std::string::npos ||
        low.find("wwii") != std::string::npos)
        t.voice = Voice::kOlder;
    std::size_t yo = low.find("-year-old");
    if (yo != std::string::npos) {
        std::size_t b = yo;
        while (b > 0 && std::isdigit(static_cast<unsigned char>(low[b - 1]))) --b;
        if (b < yo) {
            int age = std::stoi(low.substr(b, yo - b));
            t.voice = age < 23 ? Voice::kYoung : age >= 62 ? Voice::kOlder : Voice::kAdult;
        }
    }
    if (!is_ascii(persona)) return t;  // no phrase surgery on scripts we cannot parse here

    // Role: the noun phrase after the leading article, up to the first clause boundary.
    std::string body = persona;
    for (const char* article : {"A ", "An ", "The ", "a ", "an ", "the "}) {
        if (body.rfind(article, 0) == 0) {
            body = body.substr(std::string(article).size());
            break;
        }
    }
    std::string role = cut_at(body, {" who ", " with ", ",", " that ", " from ", " living ", " based ",
                                     " interested", " passionate", ".", " and ", " in ", " at ",
                                     " on ", " whose ", " working", " known ", " seeking",
                                     " looking", ";", " -", "(", "\""});
    // Drop a leading age ("16-year-old skateboarder" -> "skateboarder").
    std::size_t dash = role.find("-year-old ");
    if (dash != std::string::npos) role = role.substr(dash + 10);
    role = trim_words(role, 4);
    if (role.size() >= 3 && role.size() <= 40) t.role = lower(role);

    // Interest: what follows a phrase of liking, up to the next clause boundary.
    for (const char* cue : {"passionate about ", "interested in ", "interest in ", "love for ",
                            "loves ", "enjoys ", "fan of ", "obsessed with ", "into ",
                            "specializing in ", "hobby is ", "spends weekends ", "collects "}) {
        std::size_t p = low.find(cue);
        if (p == std::string::npos) continue;
        std::string rest = persona.substr(p + std::string(cue).size());
        rest = cut_at(rest, {",", ".", " and ", " who ", " with ", ";", " while ", " but ", "(", "\""});
        rest = trim_words(rest, 4);
        if (rest.size() >= 3) {
            t.interest = lower(rest);
            break;
        }
    }
    return t;
}

// ---- phrase banks -----------------------------------------------------------------------------
// Each label has scenarios; a scenario has openers, cores, details and closers. Slots in braces
// are filled per item. Personal data is reserved fake data only: 555-01xx phone numbers,
// example.com/.org/.net addresses, identity numbers in never-issued formats (000-xx-xxxx).

struct Scenario {
    Bank openers, cores, details, closers;
};

const std::vector<Scenario>& spam_bank() {
    static const std::vector<Scenario> bank = {
        {{"ok I never post stuff like this but", "Not gonna lie I was skeptical too.",
          "As a {role} I never thought I'd say this,", "Three months ago I was broke.",
          "Real talk for anyone struggling with bills:", "Stop scrolling for a sec."},
         {"I turned {amount_small} into {amount_big} in {days} days trading {coin} with my mentor's signals.",
          "I went from zero to {amount_big} in savings using one {coin} app my cousin told me about.",
          "my mentor {name} showed me how to make {amount_big} a week from {coin} arbitrage.",
          "this {coin} bot made me {amount_big} while I slept, zero experience needed.",
          "I paid off my car with a {coin} strategy that the banks don't want you to know about."},
         {"Only {n} spots left in the private group.", "It runs on autopilot, you literally just watch.",
          "Withdrawals land in under an hour.", "Even my mom is doing it now.",
          "Returns are guaranteed or you get double back."},
         {"DM me \"PROFIT\" and I'll send you the link.", "Link in bio, don't wait.",
          "Start here: {url}", "Message {name} on WhatsApp {phone} and say I sent you.",
          "Comment YES and I'll reach out."}},
        {{"CONGRATULATIONS!!", "Hey {handle}, great news!", "Final notice:",
          "You've been chosen!", "Giveaway time!"},
         {"Your account was randomly selected to receive a {prize}.",
          "We're giving away {n} {prize}s to celebrate {k}k followers.",
          "You are today's winner of a {prize} from our summer rewards program.",
          "Our store is closing and we're giving {prize}s to the first {n} people."},
         {"All you pay is the {amount_small} shipping fee.", "Offer expires at midnight tonight.",
          "Only verified winners will be contacted, keep this private.",
          "Just like, share and tag 3 friends."},
         {"Claim it here before it's gone: {url}", "Reply with your full name and card details to confirm.",
          "Tap the link in our bio to claim.", "Verify at {url} within 24 hours."}},
        {{"Security alert:", "Dear customer,", "Important notice regarding your account.",
          "URGENT:", "Hi, this is the {service} support team."},
         {"Your {service} account has been suspended due to unusual sign-in activity from {city}.",
          "We were unable to process your last payment and your {service} access will be closed.",
          "A parcel addressed to you is on hold because of an unpaid customs fee of {amount_small}.",
          "Your {service} password expires today and must be renewed."},
         {"To avoid permanent closure, confirm your identity within 24 hours.",
          "Failure to respond will result in a fine.", "Have your card number and PIN ready.",
          "This is an automated message, do not ignore it."},
         {"Verify now: {url}", "Log in here to restore access: {url}",
          "Call our secure line {phone} to resolve this.", "Reply STOP to lose your reward."}},
        {{"HIRING NOW", "Looking for {n} motivated people!", "Moms, students, {role}s, listen up:",
          "Tired of your 9 to 5?", "I quit my job last month and here's why."},
         {"Earn {amount_day} a day from your phone, just liking posts and writing reviews.",
          "We pay {amount_day} per day for simple data entry, no interview.",
          "Be your own boss with our wellness brand and earn {amount_big} in your first month.",
          "Get paid {amount_day} daily to test apps at home."},
         {"No experience needed, training is free.", "Only a small {amount_small} starter kit to begin.",
          "Flexible hours, work in pajamas.", "Payment daily via gift cards or crypto."},
         {"Apply: {url}", "Text {phone} with the word JOB.", "DM me for details, serious people only.",
          "Comment INFO below 👇"}},
        {{"Factory direct!!", "Best deal of the year 🔥", "Why pay retail?", "Restocked!",
          "psst, {interest} people:"},
         {"Designer bags and watches 90% off, 100% authentic (1:1 quality).",
          "Wholesale {product} straight from the factory, prices nobody can beat.",
          "Brand-name sneakers for {amount_small}, all sizes, ships worldwide.",
          "Miracle supplement that melts 20 lbs in {days} days, doctors hate it."},
         {"Limited stock.", "Pay by gift card for an extra 20% off.", "No returns, but you won't need them.",
          "Thousands of happy customers."},
         {"Order on WhatsApp {phone}", "Shop now: {url}", "DM for the catalogue.",
          "Use code FREE50 at {url}"}},
        {{"Want to go viral?", "Small creators, this is for you:", "Boost your {platform} today!",
          "Why is your account stuck at 200 followers?"},
         {"Buy 10k real followers for just {amount_small}, delivered in 24 hours.",
          "We sell aged {platform} accounts with 50k followers, instant transfer.",
          "Get 1,000 five-star reviews for your shop, undetectable.",
          "Our engagement pods guarantee 100k views on every post."},
         {"Safe, no password needed.", "Used by top influencers.", "Refill guarantee for 30 days."},
         {"Order: {url}", "DM me now.", "Check the link in my profile.", "Telegram: @growfast_{k}"}},
        {{"Hello dear,", "Hi beautiful, sorry to message you like this.", "Good day my friend,",
          "Hello, I saw your profile and felt a connection."},
         {"I am an engineer on an oil rig and I need help paying a customs fee to release my inheritance of {amount_big}.",
          "I am a widowed doctor serving overseas and my bank needs {amount_small} to unlock my account, I will pay you back triple.",
          "My late uncle left a fund of {amount_big} and I need a trustworthy person to receive it.",
          "I can't access my money until I get home, could you send a gift card so I can call you?"},
         {"Please keep this between us.", "God will bless you for your kindness.",
          "I trust you more than anyone here."},
         {"Write to me at {email} please.", "Add me on WhatsApp {phone}.", "Reply soon my dear."}},
        {{"Great post about {interest}!", "Love this {interest} content!", "Nice!",
          "This is so true, thanks for sharing."},
         {"I made {amount_big} last month from home with a method I found, check my profile.",
          "If you like {interest} you'll love the free {prize} I just got from {url}.",
          "Btw I'm giving away {coin} to my first {n} followers, just send a small deposit to verify your wallet.",
          "Quick question, want to earn {amount_day} a day? It changed my life."},
         {"Not a scam, I promise.", "Took me 10 minutes to set up."},
         {"Click my bio 😍", "DM me!", "{url}", "Message me and I'll explain."}},
    };
    return bank;
}

const std::vector<Scenario>& self_harm_bank() {
    static const std::vector<Scenario> bank = {
        {{"I don't really know why I'm posting this.", "Throwaway because people I know follow my main.",
          "idk where else to say this.", "Not looking for advice, just need to get it out.",
          "It's {time_of_day} and I can't sleep again."},
         {"I don't see the point of anything anymore.", "I'm so tired of pretending I'm fine every single day.",
          "Every day feels heavier than the one before and I'm running out of reasons to keep going.",
          "I feel completely empty, like I'm just waiting for it all to end.",
          "Nothing has felt worth it for months."},
         {"Even {interest} doesn't help anymore, and that used to be my whole thing.",
          "Since {trigger} it's like the lights went out.",
          "I go to work as a {role}, smile, come home and stare at the wall.",
          "My {family} thinks I'm just stressed."},
         {"I don't know how much longer I can do this.", "I just wanted someone to know.",
          "Sorry for dumping this here.", "Maybe it doesn't matter anyway."}},
        {{"Honest question.", "I need to say this somewhere.", "Long time lurker.",
          "This is hard to type."},
         {"Everyone would honestly be better off without me.",
          "I feel like a burden to my {family} and to everyone who has to deal with me.",
          "I keep thinking my {family} would be relieved if I was gone.",
          "I've started believing the world would be lighter without me in it."},
         {"Since {trigger} I've been screwing everything up.", "I can't even keep up with {interest} anymore.",
          "I've cancelled on everyone for weeks.", "Every mistake I make proves it."},
         {"I'm not sure I want to be here much longer.", "I just want the noise in my head to stop.",
          "Please don't tell me it gets better.", "I don't expect anyone to read this."}},
        {{"Weird thing to admit but", "Lately", "I haven't told anyone this.", "Some nights"},
         {"I keep thinking it would be easier if I just didn't wake up.",
          "I catch myself hoping something happens to me so I don't have to keep going.",
          "I've been thinking about ending my life more than I want to admit.",
          "I wish I could just disappear for good and stop feeling like this."},
         {"It started after {trigger}.", "Being a {role} means everyone expects me to be the strong one.",
          "I used to love {interest} and now I can't even remember why.",
          "The thoughts get louder every night."},
         {"I'm scared of how normal this feels now.", "Is this what giving up feels like?",
          "I don't know who to tell.", "I just needed to write it down."}},
        {{"{months} months clean and", "I'm so ashamed.", "Relapsed.", "Update for the people who asked."},
         {"I hurt myself again last night after {months} months of not doing it.",
          "I relapsed into self-harm and I hate that it's the only thing that makes the pain quiet.",
          "I've been hurting myself again and hiding it under long sleeves.",
          "I broke my streak of not self-harming and I feel like I've wasted all that progress."},
         {"{trigger} brought it all back.", "My {family} almost noticed.",
          "I was doing so well with {interest} keeping me busy."},
         {"I don't know how to stop this time.", "Please don't judge me.",
          "I just needed to tell someone.", "I feel like I'm going to do it again."}},
        {{"This is probably my last post here.", "I just want to say a few things.", "Goodbye post I guess.",
          "Been thinking about this for a while."},
         {"Thanks to the few of you who were kind to me, it meant more than you know.",
          "I don't think I'll be here next week, I just wanted to leave something behind.",
          "I'm tired of fighting and I've decided I'm done, I'm not going to keep going.",
          "I've made up my mind, I'm not going to be around much longer.",
          "I've been giving my things away and it feels like the right time to go.",
          "I wrote letters to my {family} tonight."},
         {"I'm at peace with it.", "Please don't try to change my mind.",
          "{interest} was the last good thing I had."},
         {"Take care of yourselves.", "Bye everyone.", "Sorry."}},
        {{"Is it normal", "Can I ask something without people freaking out?",
          "Posting here because I can't say this out loud.", "Serious question."},
         {"Is it normal to think about dying every day?",
          "Does it ever stop, the part of your brain that keeps telling you to just end it?",
          "What do you do when you don't want to be alive but you're too scared to tell anyone?",
          "How do you tell your {family} that you think about killing yourself?",
          "I've been having thoughts of suicide since {trigger} and I don't know who to talk to.",
          "Does anyone else feel like they just want to stop existing?"},
         {"I'm a {role}, I'm supposed to have it together.", "My therapist retired and I never found a new one.",
          "I can't afford to miss work to get help."},
         {"I'm really scared.", "I don't want to feel like this anymore.",
          "Anyone? Please.", "I don't trust myself tonight."}},
    };
    return bank;
}

const std::vector<Scenario>& privacy_bank() {
    static const std::vector<Scenario> bank = {
        {{"Everyone needs to see this.", "Remember this face.", "Found him.", "Spread this around.",
          "PSA for {city}:"},
         {"The guy who keyed my car is {full_name_m}, he lives at {address} and his number is {phone}.",
          "This is {full_name_m}, the one who scammed half the {interest} group. Home address: {address}.",
          "{full_name_m} from {city} is the troll who's been harassing us, his cell is {phone} and email {email}.",
          "The landlord who refused our deposit: {full_name_m}, {address}, personal email {email}."},
         {"His wife works at the bakery on Main too.", "He's home after 6 most days.",
          "His kids go to the school around the corner.", "I also have his licence plate."},
         {"Go let him know what you think.", "Call him and tell him how you feel.",
          "Make his phone ring all night.", "Share so he can't hide."}},
        {{"lol", "Ok so", "Petty but whatever.", "My ex thought she could ghost me."},
         {"my ex {name_f}'s new number is {phone}, text her and tell her she's a liar.",
          "{name_f} from accounting gave me her personal email, {email}, sign her up for everything.",
          "my roommate {name_f} owes me rent so here's her full name, {full_name_f}, and her work email {email}.",
          "here's {name_f}'s new address since she moved without paying me back: {address}."},
         {"She blocked me everywhere else.", "Don't say I sent you.",
          "She's been posting stuff about me so fair's fair."},
         {"Have fun 😂", "You know what to do.", "Spam away.", ""}},
        {{"Selling my {item}!", "Moving sale this weekend.", "Lost my wallet?? No, found one.",
          "Hi everyone, new here!", "Need a ride share to {city}."},
         {"Call me at {phone} or email {email}, I'm at {address} after 6pm.",
          "Found a wallet near the station. The ID says {full_name}, DOB {dob}, SSN {ssn}, address {address}.",
          "Here's my boarding pass for tomorrow, booking ref {booking}, seat 14C, name {full_name} lol.",
          "My full details for the group order: {full_name}, {address}, card {card}, exp 00/00."},
         {"Don't worry about privacy, everyone here is nice.", "My mom says I overshare but whatever.",
          "I'm usually home alone on weekdays.", "Ask for {name}."},
         {"Text anytime!", "First come first served.", "DM or just call.", "See you there!"}},
        {{"Leak:", "Found this dump online.", "So my old company's database is public now.",
          "Not me posting the whole list."},
         {"Customer list from a local gym chain: {email}, {email2}, {email3}, with phone numbers like {phone}.",
          "The school district's spreadsheet has every parent's name, home address and number, e.g. {full_name}, {address}, {phone}.",
          "Payroll export with names and ID numbers, first row is {full_name}, {ssn}.",
          "A clinic emailed everyone's appointment list by mistake, {full_name} is booked in for {condition} treatment."},
         {"Link's in the replies.", "Screenshot attached.", "Thousands of rows."},
         {"Download before it's taken down.", "Search your own name.", "Crazy how easy this was."}},
        {{"Not trying to gossip but", "Can't believe this.", "Heads up to the team chat.",
          "Tea:"},
         {"my coworker {full_name_f} told HR she has {condition}, so that's why she's always out.",
          "the new guy at my {interest} club, {full_name_m}, is on probation, his officer calls him at {phone}.",
          "my neighbour {name_f} at {address} just got diagnosed with {condition}, pray for her.",
          "{full_name_f} (born {dob}) was just fired from the clinic, here's her personal number {phone}."},
         {"Don't ask me how I know.", "Saw the file on the printer at work.",
          "Everyone at work already knows anyway."},
         {"Just saying.", "Thoughts?", "Keep it quiet lol.", ""}},
    };
    return bank;
}

const std::vector<Scenario>& safe_bank() {
    static const std::vector<Scenario> bank = {
        {{"Small win today:", "Finally!", "Okay, hear me out.", "Weekend update:", "Not to brag but"},
         {"I finished my first real {interest} project and it actually turned out okay.",
          "my first {interest} attempt of the year went better than last year's disaster.",
          "I've been getting back into {interest} after years away and I forgot how much I love it.",
          "spent the whole morning on {interest} and didn't check my phone once.",
          "somebody at the {interest} meetup finally explained the thing I'd been stuck on for weeks."},
         {"Took way longer than the tutorial said.", "My {family} was weirdly impressed.",
          "Half the supplies came from a yard sale.", "It rained the whole time and I didn't care.",
          "Still a beginner, but progress is progress."},
         {"Anyone else doing this?", "Pics later if it survives the night.", "Recommend it 10/10.",
          "Next goal: do it without swearing.", "Happy {day}, all."}},
        {{"Question for the {interest} people:", "Need advice.", "Quick one:", "Help a {role} out."},
         {"what's a good starter setup for {interest} that won't cost a fortune?",
          "what do you all listen to while doing {interest}?",
          "where do people in {city} buy decent {interest} supplies?",
          "how long did it take before {interest} stopped feeling awkward for you?",
          "how do you fit {interest} around shift work without burning out?",
          "is it worth paying for a class or should I stick with videos?",
          "any tips for staying motivated when progress is slow?"},
         {"Budget is around {amount_small}.", "I tried two apps already and hated both.",
          "My schedule as a {role} is chaos.", "I'm in {city} if that matters."},
         {"Thanks in advance!", "All suggestions welcome.", "Be gentle, I'm new.", ""}},
        {{"Long shift.", "Work rant incoming.", "Shoutout to my coworkers.", "Monday again."},
         {"twelve hours as a {role} today and my feet are filing a complaint.",
          "someone asked me what a {role} actually does all day and I talked for twenty minutes.",
          "being a {role} means at least one person a day asks me something I can't answer.",
          "my team covered for me while I dealt with a flat tyre, good people exist.",
          "our manager brought donuts to apologise for the schedule and honestly it worked."},
         {"This workout of a week is killing me lol.", "I'd kill for a nap right now.",
          "Coffee number four is kicking in.", "Tomorrow is a day off and I plan to do nothing."},
         {"Anyway, how's everyone's week?", "Send snacks.", "Back to it.", "Grateful, tired, both."}},
        {{"Review:", "Bought this {time_ago}.", "Honest review.", "Updated after a month of use."},
         {"The {product} does what it says. Setup took ten minutes and it feels solid.",
          "Third {product} I've owned and easily the best one, it survived a drop down the stairs.",
          "Ordered the {product} in blue, got green, kept it anyway because it works great.",
          "I got this {product} for {interest} and it's been great apart from the flimsy lid.",
          "Decent {product} for the price, not amazing, but I'd buy it again.",
          "The {product} arrived a day late and the box was dented, but it works perfectly."},
         {"Battery lasts about two days.", "Customer service answered within an hour.",
          "Instructions were terrible, YouTube saved me.", "My {family} keeps borrowing it."},
         {"Four stars.", "Would recommend.", "Three stars, fine for the money.", "Five stars, no notes."}},
        {{"PSA:", "Heads up everyone.", "Friendly reminder.", "Just got one of those texts."},
         {"my bank will never text you a link asking for your PIN, so if you get one, it's a scam, report it.",
          "a fake \"job offer\" asked me to pay for a starter kit, real employers don't do that.",
          "if someone in the {interest} group DMs you about a crypto opportunity, block them, it's the usual scam.",
          "parcel \"customs fee\" texts are going around {city} again, don't click anything.",
          "cover your address in screenshots before you post them, learned that the hard way."},
         {"My {family} almost fell for it.", "The mods are on it.", "Stay safe out there."},
         {"Pass it on.", "That's it, that's the post.", "Be careful.", ""}},
        {{"Hot take:", "Unpopular opinion:", "Can we talk about this?", "I need to know.", "Controversial maybe:"},
         {"pineapple on pizza is fine and I'm tired of pretending it isn't.",
          "{interest} people are the friendliest people on the internet, no contest.",
          "self-checkout machines were a mistake and I will not be taking questions.",
          "the best time to do {interest} is early morning before anyone else is up.",
          "{city} has the most underrated food scene in the country.",
          "paying {amount_small} a month for {interest} gear subscriptions is a scam on my wallet, not an actual scam, just expensive.",
          "the new season of that baking show is better than the last two.",
          "{interest} is the most underrated way to spend a Sunday.",
          "people who reply-all to the whole office deserve a gentle talking to."},
         {"I'd die on this hill.", "My {family} disagrees loudly.", "Fight me (politely)."},
         {"Change my mind.", "Thoughts?", "Ok going back to lurking.", ""}},
        {{"Today was a good day.", "Feeling grateful.", "Little things:", "Mood:"},
         {"walked to the park with my {family}, got a coffee, watched a dog chase its own tail for five minutes.",
          "finally fixed the squeaky door that's been haunting me since {time_ago}.",
          "someone at the bus stop complimented my jacket and I've been smiling all day.",
          "got through my whole to-do list and still had time for {interest}.",
          "the bakery near work gave me a free croissant because they were closing.",
          "my {family} called just to chat and we ended up talking for two hours.",
          "the neighbours' kid waved at me from the window and made my morning.",
          "tried a new recipe for dinner and nobody complained, which is a first."},
         {"It's been a rough month so I'll take it.", "Simple stuff, honestly.",
          "Sun finally came out in {city}."},
         {"Hope yours was too.", "That's all.", "🙂", ""}},
    };
    return bank;
}

/// Fallback for a label the banks do not know: the definition's own words in a user's voice.
const Scenario& generic_bank() {
    static const Scenario s = {
        {"Not sure if this is allowed here but", "Honestly,", "Okay so", "Posting this before I change my mind."},
        {"this is about {definition}.", "people keep bringing up {definition} and here's my take.",
         "I ran into {definition} today and I have thoughts.", "let's talk about {definition}."},
        {"As a {role} I see it all the time.", "It reminded me of the {interest} crowd.",
         "My {family} thinks I'm overreacting."},
        {"Anyway.", "Thoughts?", "That's where I'm at.", ""}};
    return s;
}

// ---- slot values --------------------------------------------------------------------------------

const Bank kFirst = {"Jamie", "Priya", "Marco", "Aisha", "Tom", "Lena", "Diego", "Mei", "Kofi", "Sara",
                     "Ivan", "Chloe", "Omar", "Nina", "Raj", "Emma", "Luca", "Fatima", "Ben", "Yuki",
                     "Carlos", "Hannah", "Tariq", "Zoe", "Mateo", "Ingrid", "Sam", "Leila", "Noah", "Ana"};
const Bank kFirstM = {"Jamie", "Marco", "Tom", "Diego", "Kofi", "Ivan", "Omar", "Raj", "Luca", "Ben",
                      "Carlos", "Tariq", "Mateo", "Noah", "Dev", "Connor", "Emeka", "Pavel"};
const Bank kFirstF = {"Priya", "Aisha", "Lena", "Mei", "Sara", "Chloe", "Nina", "Emma", "Fatima", "Yuki",
                      "Hannah", "Zoe", "Ingrid", "Leila", "Ana", "Grace", "Olga", "Chiara"};
const Bank kLast = {"Doe", "Smith", "Okafor", "Rossi", "Nguyen", "Kowalski", "Haddad", "Silva", "Larsen",
                    "Patel", "Moreau", "Schmidt", "Tanaka", "Mensah", "Garcia", "Novak", "Brennan",
                    "Ahmed", "Fischer", "Lopez", "Kim", "Jensen", "Murphy", "Costa"};
const Bank kCities = {"Leeds", "Austin", "Lyon", "Toronto", "Melbourne", "Dublin", "Denver", "Porto",
                      "Manchester", "Phoenix", "Cape Town", "Auckland", "Glasgow", "Calgary", "Tampa"};
const Bank kStreets = {"Maple Street", "Oak Avenue", "Mill Lane", "Station Road", "Cedar Drive",
                       "Park Terrace", "Willow Court", "High Street", "Elm Grove", "Birch Way"};
const Bank kInterests = {"baking", "running", "photography", "gardening", "chess", "fishing", "knitting",
                         "gaming", "hiking", "woodworking", "board games", "cycling", "birdwatching",
                         "guitar", "pottery"};
const Bank kRoles = {"nurse", "teacher", "delivery driver", "barista", "student", "mechanic", "accountant",
                     "cashier", "developer", "warehouse worker"};
const Bank kFamily = {"mom", "dad", "partner", "sister", "brother", "husband", "wife", "roommate",
                      "best friend", "grandma", "aunt", "boyfriend", "girlfriend", "flatmate"};
const Bank kTriggers = {"the breakup", "I lost my job", "my dad died", "failing my exams",
                        "the move", "the divorce", "the diagnosis", "my best friend stopped talking to me",
                        "the layoffs", "the bullying started again"};
const Bank kCoins = {"Bitcoin", "ETH", "crypto", "forex", "gold", "meme coin", "USDT"};
const Bank kPrizes = {"iPhone", "PS5", "$500 gift card", "MacBook", "luxury watch", "cruise for two",
                      "$1,000 store voucher"};
const Bank kServices = {"PayPal", "Netflix", "bank", "Apple ID", "Amazon", "delivery", "email",
                        "streaming", "Instagram"};
const Bank kHosts = {"secure-verify", "claim-rewards", "account-update", "free-gifts", "promo-center",
                     "wallet-sync", "fast-cash", "login-check", "deal-outlet", "win-today"};
const Bank kPaths = {"login", "claim", "verify?id=8831", "start", "bonus", "r/7Kx2", "offer", "gift"};
const Bank kProducts = {"air fryer", "phone case", "desk lamp", "backpack", "blender", "rain jacket",
                        "headphones", "water bottle", "office chair", "yoga mat", "kettle", "power bank"};
const Bank kPlatforms = {"Instagram", "TikTok", "YouTube", "Twitch", "Etsy"};
const Bank kItems = {"bike", "sofa", "old laptop", "camera", "car seat", "guitar", "treadmill"};
const Bank kConditions = {"depression", "epilepsy", "HIV", "cancer", "bipolar disorder", "diabetes"};
const Bank kTimesOfDay = {"3am", "2:40 in the morning", "almost 4am", "past midnight"};
const Bank kTimesAgo = {"two weeks ago", "last month", "in January", "on sale", "for my birthday"};
const Bank kDays = {"Friday", "Sunday", "Saturday", "long weekend"};

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
        if (key == "role") return traits_.role.empty() ? r.from(kRoles) : traits_.role;
        if (key == "interest") return traits_.interest.empty() ? interest_fallback() : traits_.interest;
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
                case 0: return "(" + std::to_string(200 + r.pick(700)) + ") " + local;
                case 1: return "+1 " + std::to_string(200 + r.pick(700)) + " " + local;
                default: return local;
            }
        }
        if (key == "email" || key == "email2" || key == "email3") {
            static const Bank domains = {"example.com", "example.org", "example.net"};
            // The e-mail of the person the post is about, when there is one (key "email").
            const std::string& who = !male_.empty() ? male_ : female_;
            std::string user = lower(key == "email" && !who.empty() ? who : r.from(kFirst));
            switch (r.pick(3)) {
                case 0: user += "." + lower(r.from(kLast)); break;
                case 1: user += digits(r, 2); break;
                default: user += "_" + lower(r.from(kLast)).substr(0, 1);
            }
            return user + "@" + r.from(domains);
        }
        if (key == "url") return std::string("https://") + r.from(kHosts) + ".example.com/" + r.from(kPaths);
        if (key == "address") return std::to_string(10 + r.pick(980)) + " " + r.from(kStreets) + ", " + r.from(kCities);
        if (key == "ssn") return "000-" + two_digits(r) + "-" + digits(r, 4);
        if (key == "card") return "0000 " + digits(r, 4) + " " + digits(r, 4) + " 0000";
        if (key == "booking") return "XX" + digits(r, 4);
        if (key == "dob")
            return std::to_string(1 + r.pick(12)) + "/" + std::to_string(1 + r.pick(28)) + "/19" +
                   std::to_string(60 + r.pick(40));
        if (key == "amount_small") return "$" + std::to_string(5 + r.pick(95)) + (r.chance(50) ? ".99" : "");
        if (key == "amount_big") return "$" + std::to_string(2 + r.pick(40)) + "," + std::to_string(100 + r.pick(900));
        if (key == "amount_day") return "$" + std::to_string(150 + 10 * r.pick(60));
        if (key == "days" || key == "n") return std::to_string(3 + r.pick(27));
        if (key == "k") return std::to_string(10 + r.pick(190));
        if (key == "months") return std::to_string(2 + r.pick(20));
        if (key == "city") return r.from(kCities);
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
    std::string male_, female_, last_;
};

// ---- context and voice --------------------------------------------------------------------------

enum class Medium { kTweet, kReddit, kReview, kDiscord, kOther };

Medium medium_of(const std::string& context) {
    std::string c = lower(context);
    if (c.find("tweet") != std::string::npos || c.find("twitter") != std::string::npos ||
        c.find("x post") != std::string::npos)
        return Medium::kTweet;
    if (c.find("reddit") != std::string::npos || c.find("forum") != std::string::npos) return Medium::kReddit;
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
        {"because", "bc"}, {" you ", " u "}, {"really", "rly"}, {"though", "tho"}, {"going to", "gonna"},
        {"I don't know", "idk"}, {"to be honest", "tbh"}, {"I'm", "im"}, {"don't", "dont"},
        {"probably", "prob"}, {"something", "smth"}, {"people", "ppl"}};
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
        if (rng.chance(25)) s += std::string(rng.chance(50) ? "\n- " : "\nRegards, ") + rng.from(kFirst);
    } else {
        if (rng.chance(20)) s = lower(s.substr(0, 1)) + s.substr(1);
        else capitalise_first(s);
    }
    return s;
}

/// Joins the sentence parts of a post, shaped by where it is posted.
std::string compose(const Scenario& sc, const Bank& persona_lines, const Bank& asides, bool hashtags,
                    Slots& slots, Rng& rng, Medium medium, bool persona_first,
                    const PersonaTraits& traits) {
    std::vector<std::string> parts;
    auto add = [&](const Bank& bank) {
        std::string part = slots.fill(rng.from(bank));
        if (!part.empty()) parts.push_back(part);
    };
    bool long_form = medium == Medium::kReddit || medium == Medium::kReview || medium == Medium::kOther;
    if (medium != Medium::kTweet || rng.chance(60)) add(sc.openers);
    add(sc.cores);
    if (persona_first && !traits.role.empty() && rng.chance(50)) add(persona_lines);
    if (long_form || rng.chance(55)) add(sc.details);
    if (!asides.empty() && rng.chance(long_form ? 70 : 45)) add(asides);
    if (long_form && rng.chance(35)) add(sc.details);
    add(sc.closers);
    if (parts.size() >= 3 && parts[parts.size() - 2] == parts[parts.size() - 3]) parts.erase(parts.end() - 2);

    std::string sep = medium == Medium::kDiscord && rng.chance(40) ? "\n" : " ";
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            char last = out.back();
            bool joins = last == ':' || last == ',' || std::isalnum(static_cast<unsigned char>(last)) ||
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

/// Label-wide sentences that can join any post of the label (more combinations, fewer twins).
const Bank& asides_of(const std::string& label) {
    static const Bank spam = {"I was scared at first too.", "My cousin {name} already made back the fee twice.",
                              "This is not financial advice but it works.", "Banks hate this one trick.",
                              "Only doing this for a few more days.", "Proof in my highlights.",
                              "Ask anyone in the group, they'll tell you.", "It's 100% legal, I checked.",
                              "Don't miss out like I almost did.", "You can start with as little as {amount_small}."};
    static const Bank self_harm = {"I haven't eaten properly in days.", "I can't remember the last time I slept through the night.",
                                   "Everyone keeps saying I seem fine.", "I keep my phone on silent so nobody can ask.",
                                   "I've stopped answering my {family}'s texts.", "Work feels like wading through mud.",
                                   "I cried in the car park again today.", "Even getting out of bed feels pointless.",
                                   "I'm so tired of being tired.", "The weekends are the worst."};
    static const Bank privacy = {"Screenshot it before it gets deleted.", "I got it from a friend who works there.",
                                 "It took me five minutes to find all this.", "Everyone in {city} should know.",
                                 "Not sorry.", "The mods won't do anything anyway.",
                                 "I double-checked it, it's real.", "Pass it along."};
    static const Bank safe = {"The weather in {city} has been ridiculous lately.", "Coffee first, opinions later.",
                              "My {family} says hi, apparently.", "Day {n} of trying to drink more water.",
                              "I should be sleeping.", "Also my {product} finally died, RIP.",
                              "Small things, but they add up.", "Honestly a good week overall.",
                              "Sorry for the long post.", "Not sponsored, obviously."};
    static const Bank none = {};
    if (label == "Spam & Scams") return spam;
    if (label == "Self-harm & Suicide") return self_harm;
    if (label == "Privacy & Personal Data Exposure") return privacy;
    if (label == "Safe") return safe;
    return none;
}

/// How a label is written: its scenarios, the sentences that anchor a post in the persona (used
/// more by persona-first prompts), and whether hashtags fit.
struct LabelStyle {
    const std::vector<Scenario>* scenarios = nullptr;  ///< null: the generic fallback
    const Bank* persona_lines = nullptr;
    bool hashtags = false;
};

LabelStyle style_of(const std::string& label) {
    static const Bank spam = {"As a {role} I never believed in this stuff either.",
                              "I'm just a {role}, if I can do it anyone can.",
                              "Fellow {role}s, this one's for you."};
    static const Bank self_harm = {"I'm a {role} and nobody at work has a clue.",
                                   "Being a {role} I'm supposed to be the one who helps people.",
                                   "I used to lose whole weekends to {interest}, now I can't start anything.",
                                   "I still show up as a {role} every day like nothing's wrong."};
    static const Bank privacy = {"I'm a {role}, I know exactly how easy this is to find.",
                                 "Met them through {interest}, of all things.",
                                 "As a {role} I see people's details all day anyway."};
    static const Bank safe = {"(Context: {role}, {interest} nerd.)", "I'm a {role} so weekends are precious.",
                              "Being a {role} you learn to enjoy the small stuff.",
                              "Not bad for a {role} with zero free time."};
    static const Bank generic = {"I'm a {role}, for what it's worth.", "Speaking as a {role} here."};
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
std::string written_label(const std::string& target, const std::vector<std::string>& labels, Rng& rng) {
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
        const Scenario& scenario =
            style.scenarios ? (*style.scenarios)[rng.pick(style.scenarios->size())] : generic_bank();
        std::string content =
            compose(scenario, *style.persona_lines, asides_of(label), style.hashtags, slots, rng, medium,
                    persona_first, traits);
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
