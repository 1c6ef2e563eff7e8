// llm/offline_banks: the phrase banks and slot pools of the offline provider (data only).
// Personal data in them is reserved fake data: 555-01xx phone numbers, example.com/.org/.net
// addresses, identity numbers in never-issued formats (000-xx-xxxx). Self-harm entries express
// distress and ideation as users write it, never methods or instructions.
#include "common/llm/offline_banks.h"

namespace synthmod::llm::offline_banks {

// ---- phrase banks -----------------------------------------------------------------------------
// Each label has scenarios; a scenario has openers, cores, details and closers. Slots in braces
// are filled per item. Personal data is reserved fake data only: 555-01xx phone numbers,
// example.com/.org/.net addresses, identity numbers in never-issued formats (000-xx-xxxx).

const std::vector<Scenario>& spam_bank() {
    static const std::vector<Scenario> bank = {
        {{"ok I never post stuff like this but", "Not gonna lie I was skeptical too.",
          "As {a_role} I never thought I'd say this,", "Three months ago I was broke.",
          "Real talk for anyone struggling with bills:", "Stop scrolling for a sec."},
         {"I turned {amount_small} into {amount_big} in {days} days trading {coin} with my "
          "mentor's signals.",
          "I went from zero to {amount_big} in savings using one {coin} app my cousin told me "
          "about.",
          "my mentor {name} showed me how to make {amount_big} a week from {coin} arbitrage.",
          "this {coin} bot made me {amount_big} while I slept, zero experience needed.",
          "I paid off my car with a {coin} strategy that the banks don't want you to know about."},
         {"Only {n} spots left in the private group.",
          "It runs on autopilot, you literally just watch.", "Withdrawals land in under an hour.",
          "Even my mom is doing it now.", "Returns are guaranteed or you get double back."},
         {"DM me \"PROFIT\" and I'll send you the link.", "Link in bio, don't wait.",
          "Start here: {url}", "Message {name} on WhatsApp {phone} and say I sent you.",
          "Comment YES and I'll reach out."}},
        {{"CONGRATULATIONS!!", "Hey {handle}, great news!", "Final notice:", "You've been chosen!",
          "Giveaway time!"},
         {"Your account was randomly selected to receive a {prize}.",
          "We're giving away {n} {prize}s to celebrate {k}k followers.",
          "You are today's winner of a {prize} from our summer rewards program.",
          "Our store is closing and we're giving {prize}s to the first {n} people."},
         {"All you pay is the {amount_small} shipping fee.", "Offer expires at midnight tonight.",
          "Only verified winners will be contacted, keep this private.",
          "Just like, share and tag 3 friends."},
         {"Claim it here before it's gone: {url}",
          "Reply with your full name and card details to confirm.",
          "Tap the link in our bio to claim.", "Verify at {url} within 24 hours."}},
        {{"Security alert:", "Dear customer,", "Important notice regarding your account.",
          "URGENT:", "Hi, this is the {service} support team."},
         {"Your {service} account has been suspended due to unusual sign-in activity from {city}.",
          "We were unable to process your last payment and your {service} access will be closed.",
          "A parcel addressed to you is on hold because of an unpaid customs fee of "
          "{amount_small}.",
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
         {"No experience needed, training is free.",
          "Only a small {amount_small} starter kit to begin.", "Flexible hours, work in pajamas.",
          "Payment daily via gift cards or crypto."},
         {"Apply: {url}", "Text {phone} with the word JOB.",
          "DM me for details, serious people only.", "Comment INFO below 👇"}},
        {{"Factory direct!!", "Best deal of the year 🔥", "Why pay retail?", "Restocked!",
          "psst, {interest} people:"},
         {"Designer bags and watches 90% off, 100% authentic (1:1 quality).",
          "Wholesale {product} straight from the factory, prices nobody can beat.",
          "Brand-name sneakers for {amount_small}, all sizes, ships worldwide.",
          "Miracle supplement that melts 20 lbs in {days} days, doctors hate it."},
         {"Limited stock.", "Pay by gift card for an extra 20% off.",
          "No returns, but you won't need them.", "Thousands of happy customers."},
         {"Order on WhatsApp {phone}", "Shop now: {url}", "DM for the catalogue.",
          "Use code FREE50 at {url}"}},
        {{"Want to go viral?", "Small creators, this is for you:", "Boost your {platform} today!",
          "Why is your account stuck at 200 followers?"},
         {"Buy 10k real followers for just {amount_small}, delivered in 24 hours.",
          "We sell aged {platform} accounts with 50k followers, instant transfer.",
          "Get 1,000 five-star reviews for your shop, undetectable.",
          "Our engagement pods guarantee 100k views on every post."},
         {"Safe, no password needed.", "Used by top influencers.", "Refill guarantee for 30 days."},
         {"Order: {url}", "DM me now.", "Check the link in my profile.",
          "Telegram: @growfast_{k}"}},
        {{"Hello dear,", "Hi beautiful, sorry to message you like this.", "Good day my friend,",
          "Hello, I saw your profile and felt a connection."},
         {"I am an engineer on an oil rig and I need help paying a customs fee to release my "
          "inheritance of {amount_big}.",
          "I am a widowed doctor serving overseas and my bank needs {amount_small} to unlock my "
          "account, I will pay you back triple.",
          "My late uncle left a fund of {amount_big} and I need a trustworthy person to receive "
          "it.",
          "I can't access my money until I get home, could you send a gift card so I can call "
          "you?"},
         {"Please keep this between us.", "God will bless you for your kindness.",
          "I trust you more than anyone here."},
         {"Write to me at {email} please.", "Add me on WhatsApp {phone}.", "Reply soon my dear."}},
        {{"Great post about {interest}!", "Love this {interest} content!", "Nice!",
          "This is so true, thanks for sharing."},
         {"I made {amount_big} last month from home with a method I found, check my profile.",
          "If you like {interest} you'll love the free {prize} I just got from {url}.",
          "Btw I'm giving away {coin} to my first {n} followers, just send a small deposit to "
          "verify your wallet.",
          "Quick question, want to earn {amount_day} a day? It changed my life."},
         {"Not a scam, I promise.", "Took me 10 minutes to set up."},
         {"Click my bio 😍", "DM me!", "{url}", "Message me and I'll explain."}},
    };
    return bank;
}

const std::vector<Scenario>& self_harm_bank() {
    static const std::vector<Scenario> bank = {
        {{"I don't really know why I'm posting this.",
          "Throwaway because people I know follow my main.", "idk where else to say this.",
          "Not looking for advice, just need to get it out.",
          "It's {time_of_day} and I can't sleep again."},
         {"I don't see the point of anything anymore.",
          "I'm so tired of pretending I'm fine every single day.",
          "Every day feels heavier than the one before and I'm running out of reasons to keep "
          "going.",
          "I feel completely empty, like I'm just waiting for it all to end.",
          "Nothing has felt worth it for months."},
         {"Even {interest} doesn't help anymore, and that used to be my whole thing.",
          "Since {trigger} it's like the lights went out.",
          "I go to work as {a_role}, smile, come home and stare at the wall.",
          "My {family} thinks I'm just stressed."},
         {"I don't know how much longer I can do this.", "I just wanted someone to know.",
          "Sorry for dumping this here.", "Maybe it doesn't matter anyway."}},
        {{"Honest question.", "I need to say this somewhere.", "Long time lurker.",
          "This is hard to type."},
         {"Everyone would honestly be better off without me.",
          "I feel like a burden to my {family} and to everyone who has to deal with me.",
          "I keep thinking my {family} would be relieved if I was gone.",
          "I've started believing the world would be lighter without me in it."},
         {"Since {trigger} I've been screwing everything up.",
          "I can't even keep up with {interest} anymore.", "I've cancelled on everyone for weeks.",
          "Every mistake I make proves it."},
         {"I'm not sure I want to be here much longer.",
          "I just want the noise in my head to stop.", "Please don't tell me it gets better.",
          "I don't expect anyone to read this."}},
        {{"Weird thing to admit but", "Lately", "I haven't told anyone this.", "Some nights"},
         {"I keep thinking it would be easier if I just didn't wake up.",
          "I catch myself hoping something happens to me so I don't have to keep going.",
          "I've been thinking about ending my life more than I want to admit.",
          "I wish I could just disappear for good and stop feeling like this."},
         {"It started after {trigger}.",
          "Being {a_role} means everyone expects me to be the strong one.",
          "I used to love {interest} and now I can't even remember why.",
          "The thoughts get louder every night."},
         {"I'm scared of how normal this feels now.", "Is this what giving up feels like?",
          "I don't know who to tell.", "I just needed to write it down."}},
        {{"{months} months clean and", "I'm so ashamed.", "Relapsed.",
          "Update for the people who asked."},
         {"I hurt myself again last night after {months} months of not doing it.",
          "I relapsed into self-harm and I hate that it's the only thing that makes the pain "
          "quiet.",
          "I've been hurting myself again and hiding it under long sleeves.",
          "I broke my streak of not self-harming and I feel like I've wasted all that progress."},
         {"{trigger} brought it all back.", "My {family} almost noticed.",
          "I was doing so well with {interest} keeping me busy."},
         {"I don't know how to stop this time.", "Please don't judge me.",
          "I just needed to tell someone.", "I feel like I'm going to do it again."}},
        {{"This is probably my last post here.", "I just want to say a few things.",
          "Goodbye post I guess.", "Been thinking about this for a while."},
         {"Thanks to the few of you who were kind to me, it meant more than you know.",
          "I don't think I'll be here next week, I just wanted to leave something behind.",
          "I'm tired of fighting and I've decided I'm done, I'm not going to keep going.",
          "I've made up my mind, I'm not going to be around much longer.",
          "I've been giving my things away and it feels like the right time to go.",
          "I wrote letters to my {family} tonight."},
         {"I'm at peace with it.", "Please don't try to change my mind.",
          "{interest} was the last good thing I had."},
         {"Take care of yourselves.", "Bye everyone.", "Sorry."}},
        {{"Weird question maybe.", "Can I ask something without people freaking out?",
          "Posting here because I can't say this out loud.", "Serious question."},
         {"Is it normal to think about dying every day?",
          "Does it ever stop, the part of your brain that keeps telling you to just end it?",
          "What do you do when you don't want to be alive but you're too scared to tell anyone?",
          "How do you tell your {family} that you think about killing yourself?",
          "I've been having thoughts of suicide since {trigger} and I don't know who to talk to.",
          "Does anyone else feel like they just want to stop existing?"},
         {"I'm {a_role}, I'm supposed to have it together.",
          "My therapist retired and I never found a new one.",
          "I can't afford to miss work to get help."},
         {"I'm really scared.", "I don't want to feel like this anymore.", "Anyone? Please.",
          "I don't trust myself tonight."}},
    };
    return bank;
}

const std::vector<Scenario>& privacy_bank() {
    static const std::vector<Scenario> bank = {
        {{"Everyone needs to see this.", "Remember this face.", "Found him.", "Spread this around.",
          "PSA for {city}:"},
         {"The guy who keyed my car is {full_name_m}, he lives at {address} and his number is "
          "{phone}.",
          "This is {full_name_m}, the one who scammed half the {interest} group. Home address: "
          "{address}.",
          "{full_name_m} from {city} is the troll who's been harassing us, his cell is {phone} and "
          "email {email}.",
          "The landlord who refused our deposit: {full_name_m}, {address}, personal email "
          "{email}."},
         {"His wife works at the bakery on Main too.", "He's home after 6 most days.",
          "His kids go to the school around the corner.", "I also have his licence plate."},
         {"Go let him know what you think.", "Call him and tell him how you feel.",
          "Make his phone ring all night.", "Share so he can't hide."}},
        {{"lol", "Ok so", "Petty but whatever.", "My ex thought she could ghost me."},
         {"my ex {name_f}'s new number is {phone}, text her and tell her she's a liar.",
          "{name_f} from accounting gave me her personal email, {email}, sign her up for "
          "everything.",
          "my roommate {name_f} owes me rent so here's her full name, {full_name_f}, and her work "
          "email {email}.",
          "here's {name_f}'s new address since she moved without paying me back: {address}."},
         {"She blocked me everywhere else.", "Don't say I sent you.",
          "She's been posting stuff about me so fair's fair."},
         {"Have fun 😂", "You know what to do.", "Spam away.", ""}},
        {{"Selling my {item}!", "Moving sale this weekend.", "Lost my wallet?? No, found one.",
          "Hi everyone, new here!", "Need a ride share to {city}."},
         {"Call me at {phone} or email {email}, I'm at {address} after 6pm.",
          "Found a wallet near the station. The ID says {full_name}, DOB {dob}, SSN {ssn}, address "
          "{address}.",
          "Here's my boarding pass for tomorrow, booking ref {booking}, seat 14C, name {full_name} "
          "lol.",
          "My full details for the group order: {full_name}, {address}, card {card}, exp 00/00."},
         {"Don't worry about privacy, everyone here is nice.",
          "My mom says I overshare but whatever.", "I'm usually home alone on weekdays.",
          "Ask for {name}."},
         {"Text anytime!", "First come first served.", "DM or just call.", "See you there!"}},
        {{"Leak:", "Found this dump online.", "So my old company's database is public now.",
          "Not me posting the whole list."},
         {"Customer list from a local gym chain: {email}, {email2}, {email3}, with phone numbers "
          "like {phone}.",
          "The school district's spreadsheet has every parent's name, home address and number, "
          "e.g. {full_name}, {address}, {phone}.",
          "Payroll export with names and ID numbers, first row is {full_name}, {ssn}.",
          "A clinic emailed everyone's appointment list by mistake, {full_name} is booked in for "
          "{condition} treatment."},
         {"Link's in the replies.", "Screenshot attached.", "Thousands of rows."},
         {"Download before it's taken down.", "Search your own name.", "Crazy how easy this was."}},
        {{"Not trying to gossip but", "Can't believe this.", "Heads up to the team chat.", "Tea:"},
         {"my coworker {full_name_f} told HR she has {condition}, so that's why she's always out.",
          "the new guy at my {interest} club, {full_name_m}, is on probation, his officer calls "
          "him at {phone}.",
          "my neighbour {name_f} at {address} just got diagnosed with {condition}, pray for her.",
          "{full_name_f} (born {dob}) was just fired from the clinic, here's her personal number "
          "{phone}."},
         {"Don't ask me how I know.", "Saw the file on the printer at work.",
          "Everyone at work already knows anyway."},
         {"Just saying.", "Thoughts?", "Keep it quiet lol.", ""}},
    };
    return bank;
}

const std::vector<Scenario>& safe_bank() {
    static const std::vector<Scenario> bank = {
        {{"Small win today:", "Finally!", "Okay, hear me out.",
          "Weekend update:", "Not to brag but"},
         {"I finished my first real {interest} project and it actually turned out okay.",
          "my first {interest} attempt of the year went better than last year's disaster.",
          "I've been getting back into {interest} after years away and I forgot how much I love "
          "it.",
          "spent the whole morning on {interest} and didn't check my phone once.",
          "somebody at the {interest} meetup finally explained the thing I'd been stuck on for "
          "weeks."},
         {"Took way longer than the tutorial said.", "My {family} was weirdly impressed.",
          "Half the supplies came from a yard sale.", "It rained the whole time and I didn't care.",
          "Still a beginner, but progress is progress."},
         {"Anyone else doing this?", "Pics later if it survives the night.", "Recommend it 10/10.",
          "Next goal: do it without swearing.", "Happy {day}, all."}},
        {{"Question for the {interest} people:", "Need advice.",
          "Quick one:", "Help {a_role} out."},
         {"what's a good starter setup for {interest} that won't cost a fortune?",
          "what do you all listen to while doing {interest}?",
          "where do people in {city} buy decent {interest} supplies?",
          "how long did it take before {interest} stopped feeling awkward for you?",
          "how do you fit {interest} around shift work without burning out?",
          "is it worth paying for a class or should I stick with videos?",
          "any tips for staying motivated when progress is slow?"},
         {"Budget is around {amount_small}.", "I tried two apps already and hated both.",
          "My schedule as {a_role} is chaos.", "I'm in {city} if that matters."},
         {"Thanks in advance!", "All suggestions welcome.", "Be gentle, I'm new.", ""}},
        {{"Long shift.", "Work rant incoming.", "Shoutout to my coworkers.", "Monday again."},
         {"twelve hours as {a_role} today and my feet are filing a complaint.",
          "someone asked me what {a_role} actually does all day and I talked for twenty minutes.",
          "being {a_role} means at least one person a day asks me something I can't answer.",
          "my team covered for me while I dealt with a flat tyre, good people exist.",
          "our manager brought donuts to apologise for the schedule and honestly it worked."},
         {"This workout of a week is killing me lol.", "I'd kill for a nap right now.",
          "Coffee number four is kicking in.", "Tomorrow is a day off and I plan to do nothing."},
         {"Anyway, how's everyone's week?", "Send snacks.", "Back to it.",
          "Grateful, tired, both."}},
        {{"Review:", "Bought this {time_ago}.", "Honest review.", "Updated after a month of use."},
         {"The {product} does what it says. Setup took ten minutes and it feels solid.",
          "Third {product} I've owned and easily the best one, it survived a drop down the stairs.",
          "Ordered the {product} in blue, got green, kept it anyway because it works great.",
          "I got this {product} for {interest} and it's been great apart from the flimsy lid.",
          "Decent {product} for the price, not amazing, but I'd buy it again.",
          "The {product} arrived a day late and the box was dented, but it works perfectly."},
         {"Battery lasts about two days.", "Customer service answered within an hour.",
          "Instructions were terrible, YouTube saved me.", "My {family} keeps borrowing it."},
         {"Four stars.", "Would recommend.", "Three stars, fine for the money.",
          "Five stars, no notes."}},
        {{"PSA:", "Heads up everyone.", "Friendly reminder.", "Just got one of those texts."},
         {"my bank will never text you a link asking for your PIN, so if you get one, it's a scam, "
          "report it.",
          "a fake \"job offer\" asked me to pay for a starter kit, real employers don't do that.",
          "if someone in the {interest} group DMs you about a crypto opportunity, block them, it's "
          "the usual scam.",
          "parcel \"customs fee\" texts are going around {city} again, don't click anything.",
          "cover your address in screenshots before you post them, learned that the hard way."},
         {"My {family} almost fell for it.", "The mods are on it.", "Stay safe out there."},
         {"Pass it on.", "That's it, that's the post.", "Be careful.", ""}},
        {{"Hot take:", "Unpopular opinion:", "Can we talk about this?", "I need to know.",
          "Controversial maybe:"},
         {"pineapple on pizza is fine and I'm tired of pretending it isn't.",
          "{interest} people are the friendliest people on the internet, no contest.",
          "self-checkout machines were a mistake and I will not be taking questions.",
          "the best time to do {interest} is early morning before anyone else is up.",
          "{city} has the most underrated food scene in the country.",
          "paying {amount_small} a month for {interest} gear subscriptions is a scam on my wallet, "
          "not an actual scam, just expensive.",
          "the new season of that baking show is better than the last two.",
          "{interest} is the most underrated way to spend a Sunday.",
          "people who reply-all to the whole office deserve a gentle talking to."},
         {"I'd die on this hill.", "My {family} disagrees loudly.", "Fight me (politely)."},
         {"Change my mind.", "Thoughts?", "Ok going back to lurking.", ""}},
        {{"Today was a good day.", "Feeling grateful.", "Little things:", "Mood:"},
         {"walked to the park with my {family}, got a coffee, watched a dog chase its own tail for "
          "five minutes.",
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
        {"Not sure if this is allowed here but", "Honestly,", "Okay so",
         "Posting this before I change my mind."},
        {"this is about {definition}.", "people keep bringing up {definition} and here's my take.",
         "I ran into {definition} today and I have thoughts.", "let's talk about {definition}."},
        {"As {a_role} I see it all the time.", "It reminded me of the {interest} crowd.",
         "My {family} thinks I'm overreacting."},
        {"Anyway.", "Thoughts?", "That's where I'm at.", ""}};
    return s;
}

// ---- slot values --------------------------------------------------------------------------------

const Bank kFirst = {"Jamie", "Priya",  "Marco", "Aisha", "Tom",    "Lena",   "Diego", "Mei",
                     "Kofi",  "Sara",   "Ivan",  "Chloe", "Omar",   "Nina",   "Raj",   "Emma",
                     "Luca",  "Fatima", "Ben",   "Yuki",  "Carlos", "Hannah", "Tariq", "Zoe",
                     "Mateo", "Ingrid", "Sam",   "Leila", "Noah",   "Ana"};
const Bank kFirstM = {"Jamie", "Marco", "Tom",  "Diego",  "Kofi",   "Ivan",
                      "Omar",  "Raj",   "Luca", "Ben",    "Carlos", "Tariq",
                      "Mateo", "Noah",  "Dev",  "Connor", "Emeka",  "Pavel"};
const Bank kFirstF = {"Priya",  "Aisha", "Lena",   "Mei",   "Sara",   "Chloe",
                      "Nina",   "Emma",  "Fatima", "Yuki",  "Hannah", "Zoe",
                      "Ingrid", "Leila", "Ana",    "Grace", "Olga",   "Chiara"};
const Bank kLast = {"Doe",     "Smith",  "Okafor", "Rossi",  "Nguyen",  "Kowalski",
                    "Haddad",  "Silva",  "Larsen", "Patel",  "Moreau",  "Schmidt",
                    "Tanaka",  "Mensah", "Garcia", "Novak",  "Brennan", "Ahmed",
                    "Fischer", "Lopez",  "Kim",    "Jensen", "Murphy",  "Costa"};
const Bank kCities = {"Leeds",     "Austin",   "Lyon",    "Toronto",    "Melbourne",
                      "Dublin",    "Denver",   "Porto",   "Manchester", "Phoenix",
                      "Cape Town", "Auckland", "Glasgow", "Calgary",    "Tampa"};
const Bank kStreets = {"Maple Street", "Oak Avenue",   "Mill Lane",   "Station Road", "Cedar Drive",
                       "Park Terrace", "Willow Court", "High Street", "Elm Grove",    "Birch Way"};
const Bank kInterests = {"baking",      "running",  "photography",  "gardening", "chess",
                         "fishing",     "knitting", "gaming",       "hiking",    "woodworking",
                         "board games", "cycling",  "birdwatching", "guitar",    "pottery"};
const Bank kRoles = {"nurse",    "teacher",    "delivery driver", "barista",   "student",
                     "mechanic", "accountant", "cashier",         "developer", "warehouse worker"};
const Bank kFamily = {"mom",     "dad",       "partner",    "sister",      "brother",
                      "husband", "wife",      "roommate",   "best friend", "grandma",
                      "aunt",    "boyfriend", "girlfriend", "flatmate"};
const Bank kTriggers = {"the breakup",   "I lost my job",
                        "my dad died",   "failing my exams",
                        "the move",      "the divorce",
                        "the diagnosis", "my best friend stopped talking to me",
                        "the layoffs",   "the bullying started again"};
const Bank kCoins = {"Bitcoin", "ETH", "crypto", "forex", "gold", "meme coin", "USDT"};
const Bank kPrizes = {"iPhone",
                      "PS5",
                      "$500 gift card",
                      "MacBook",
                      "luxury watch",
                      "cruise for two",
                      "$1,000 store voucher"};
const Bank kServices = {"PayPal",   "Netflix", "bank",      "Apple ID", "Amazon",
                        "delivery", "email",   "streaming", "Instagram"};
const Bank kHosts = {"secure-verify", "claim-rewards", "account-update", "free-gifts",
                     "promo-center",  "wallet-sync",   "fast-cash",      "login-check",
                     "deal-outlet",   "win-today"};
const Bank kPaths = {"login", "claim",  "verify?id=8831", "start",
                     "bonus", "r/7Kx2", "offer",          "gift"};
const Bank kProducts = {"air fryer",    "phone case",  "desk lamp",  "backpack",
                        "blender",      "rain jacket", "headphones", "water bottle",
                        "office chair", "yoga mat",    "kettle",     "power bank"};
const Bank kPlatforms = {"Instagram", "TikTok", "YouTube", "Twitch", "Etsy"};
const Bank kItems = {"bike", "sofa", "old laptop", "camera", "car seat", "guitar", "treadmill"};
const Bank kConditions = {"depression", "epilepsy",         "HIV",
                          "cancer",     "bipolar disorder", "diabetes"};
const Bank kTimesOfDay = {"3am", "2:40 in the morning", "almost 4am", "past midnight"};
const Bank kTimesAgo = {"two weeks ago", "last month", "in January", "on sale", "for my birthday"};
const Bank kDays = {"Friday", "Sunday", "Saturday", "long weekend"};

/// Label-wide sentences that can join any post of the label (more combinations, fewer twins).
const Bank& asides_of(const std::string& label) {
    static const Bank spam = {"I was scared at first too.",
                              "My cousin {name} already made back the fee twice.",
                              "This is not financial advice but it works.",
                              "Banks hate this one trick.",
                              "Only doing this for a few more days.",
                              "Proof in my highlights.",
                              "Ask anyone in the group, they'll tell you.",
                              "It's 100% legal, I checked.",
                              "Don't miss out like I almost did.",
                              "You can start with as little as {amount_small}."};
    static const Bank self_harm = {"I haven't eaten properly in days.",
                                   "I can't remember the last time I slept through the night.",
                                   "Everyone keeps saying I seem fine.",
                                   "I keep my phone on silent so nobody can ask.",
                                   "I've stopped answering my {family}'s texts.",
                                   "Work feels like wading through mud.",
                                   "I cried in the car park again today.",
                                   "Even getting out of bed feels pointless.",
                                   "I'm so tired of being tired.",
                                   "The weekends are the worst."};
    static const Bank privacy = {"Screenshot it before it gets deleted.",
                                 "I got it from a friend who works there.",
                                 "It took me five minutes to find all this.",
                                 "Everyone in {city} should know.",
                                 "Not sorry.",
                                 "The mods won't do anything anyway.",
                                 "I double-checked it, it's real.",
                                 "Pass it along."};
    static const Bank safe = {"The weather in {city} has been ridiculous lately.",
                              "Coffee first, opinions later.",
                              "My {family} says hi, apparently.",
                              "Day {n} of trying to drink more water.",
                              "I should be sleeping.",
                              "Also my {product} finally died, RIP.",
                              "Small things, but they add up.",
                              "Honestly a good week overall.",
                              "Sorry for the long post.",
                              "Not sponsored, obviously."};
    static const Bank none = {};
    if (label == "Spam & Scams") return spam;
    if (label == "Self-harm & Suicide") return self_harm;
    if (label == "Privacy & Personal Data Exposure") return privacy;
    if (label == "Safe") return safe;
    return none;
}

}  // namespace synthmod::llm::offline_banks
