// shard: --shard I/N, one of N deterministic parts of a run's work, chosen by each row's stable
// id, so N processes (e.g. a Slurm array job) together do exactly the work of one.
#pragma once

#include <cstddef>
#include <string>

namespace synthmod::runner {

/// Part `index` of `count` (0 <= index < count); 0/1 is the whole run.
struct Shard {
    std::size_t index = 0;
    std::size_t count = 1;

    bool whole() const { return count == 1; }
    /// Whether the row with stable id `key` belongs to this shard: xxHash64(key) mod count.
    bool holds(const std::string& key) const;
    /// "I/N".
    std::string str() const;
};

/// Parses "I/N" (decimal, 0 <= I < N). Throws UsageError naming --shard otherwise.
Shard parse_shard(const std::string& text);

}  // namespace synthmod::runner
