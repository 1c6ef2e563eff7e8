// spaces: the positions of the spaces of a text, found 16 bytes at a time with SSE2 where the
// build has it. The one scan under the two word walks of synthmod-stats (the shingler's word
// bounds, the distinct-n walks' words), both over normalised text.
#pragma once

#include <cstddef>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace synthmod::spaces {

/// Calls at(i) for every i in [0, size) with p[i] == ' ', in ascending order.
template <class At>
inline void for_each(const char* p, std::size_t size, At&& at) {
    std::size_t i = 0;
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(' ');
    for (; i + 16 <= size; i += 16) {
        auto m = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), space)));
        for (; m; m &= m - 1) at(i + static_cast<std::size_t>(__builtin_ctz(m)));
    }
#endif
    for (; i < size; ++i)
        if (p[i] == ' ') at(i);
}

}  // namespace synthmod::spaces
