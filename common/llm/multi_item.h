// multi_item: several rows per request (issue 15) — the prompt that asks for K items at once,
// the split of its answer back into one answer per item, and each item's share of the usage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/llm/provider.h"

namespace synthmod::llm {

/// One prompt asking for every part at once: the shared system prompt once, each part's user
/// message under its index (0-based, in the order given), and as schema an object whose
/// `items` array holds one answer per part (the part's own schema plus a required integer `index`),
/// with minItems = maxItems = the number of parts when `exact_count` (the provider allows it).
/// max_tokens is the parts' sum. The parts must share system prompt, schema and task.
Prompt combine_prompts(const std::vector<const Prompt*>& parts, const std::vector<std::string>& ids,
                       bool exact_count = true);

/// The answer of a combined prompt split into one answer per part, by `index`: the part's
/// object without `index`, or "" when the part is missing, duplicated or not an object (it is
/// then asked again alone). `why` gets what was wrong with the missing ones.
std::vector<std::string> split_answer(const std::string& answer_json, std::size_t parts,
                                      std::string* why = nullptr);

/// Item i's share of a request's usage for n items: an equal share of every count, the
/// remainder going to the first items, so the shares add up to the request's usage exactly.
Usage usage_share(const Usage& total, std::size_t n, std::size_t i);

/// The order a request lists its items in: a permutation of 0..ids.size()-1 drawn from a
/// generator seeded by `seed` and the ids (so it is the same on every run and differs between
/// requests: a position does not stick to a row). Identity when `seed` is 0.
std::vector<std::size_t> request_order(const std::vector<std::string>& ids, std::uint64_t seed);

/// Answers a combined prompt part by part with `answer_one` (a local provider's single-item
/// path), as a model answering it would: {"items": [...]} with each part's index, the input
/// counted once for the combined prompt and the outputs summed. A part refused alone is left
/// out (it is asked again alone, and refused then).
Result answer_parts(const Prompt& combined,
                    const std::function<Result(const Prompt&, const std::string&)>& answer_one);

}  // namespace synthmod::llm
