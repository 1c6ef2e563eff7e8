// jaccard: the tests' own exact Jaccard of two sorted, duplicate-free sets (an independent check
// of what synthmod-stats computes, so it shares no code with stats/).
#pragma once

#include <cstddef>
#include <vector>

namespace synthmod::test {

/// |a ∩ b| / |a ∪ b| by one merge walk; two empty sets are identical (1).
template <class T>
double sorted_jaccard(const std::vector<T>& a, const std::vector<T>& b) {
    std::size_t common = 0, i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j])
            ++i;
        else if (b[j] < a[i])
            ++j;
        else
            ++common, ++i, ++j;
    }
    const std::size_t all = a.size() + b.size() - common;
    return all ? static_cast<double>(common) / static_cast<double>(all) : 1.0;
}

}  // namespace synthmod::test
