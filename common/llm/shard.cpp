#include "common/llm/shard.h"

#include <xxhash.h>

#include <charconv>

#include "common/errors.h"

namespace synthmod::runner {

bool Shard::holds(const std::string& key) const {
    if (count <= 1) return true;
    return XXH64(key.data(), key.size(), 0) % count == index;
}

std::string Shard::str() const { return std::to_string(index) + "/" + std::to_string(count); }

namespace {

bool parse_count(const std::string& text, std::size_t& value) {
    if (text.empty() || text.size() > 9) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Shard parse_shard(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return UsageError("--shard: " + why + " (got \"" + printable(text) +
                          "\"; expected I/N with 0 <= I < N, e.g. 0/4)");
    };
    auto slash = text.find('/');
    if (slash == std::string::npos) throw bad("no '/'");
    Shard s;
    if (!parse_count(text.substr(0, slash), s.index) ||
        !parse_count(text.substr(slash + 1), s.count))
        throw bad("I and N must be whole numbers");
    if (s.count == 0) throw bad("N must be at least 1");
    if (s.index >= s.count) throw bad("I must be less than N");
    return s;
}

}  // namespace synthmod::runner
