// llm/offline_banks: the phrase banks and slot pools the offline provider composes posts from.
#pragma once

#include <string>
#include <vector>

namespace synthmod::llm::offline_banks {

/// Alternatives for one slot of a post; `{name}` placeholders are filled per item.
using Bank = std::vector<const char*>;

/// One way a label's post goes: an opener, a core sentence, details and a closer.
struct Scenario {
    Bank openers, cores, details, closers;
};

const std::vector<Scenario>& spam_bank();
const std::vector<Scenario>& self_harm_bank();
const std::vector<Scenario>& privacy_bank();
const std::vector<Scenario>& safe_bank();
/// For a label the banks do not know: the definition's own words in a user's voice.
const Scenario& generic_bank();
/// Label-wide sentences that can join any post of the label (more combinations, fewer twins).
const Bank& asides_of(const std::string& label);

/// Slot pools: names, places, products, amounts' context ...
extern const Bank kFirst;
extern const Bank kFirstM;
extern const Bank kFirstF;
extern const Bank kLast;
extern const Bank kCities;
extern const Bank kStreets;
extern const Bank kInterests;
extern const Bank kRoles;
extern const Bank kFamily;
extern const Bank kTriggers;
extern const Bank kCoins;
extern const Bank kPrizes;
extern const Bank kServices;
extern const Bank kHosts;
extern const Bank kPaths;
extern const Bank kProducts;
extern const Bank kPlatforms;
extern const Bank kItems;
extern const Bank kConditions;
extern const Bank kTimesOfDay;
extern const Bank kTimesAgo;
extern const Bank kDays;

}  // namespace synthmod::llm::offline_banks
