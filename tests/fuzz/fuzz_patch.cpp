// fuzz_patch: stats/patch must rebuild any raw text exactly from its edits, against its own
// normalised form (how stats uses it) and against an unrelated second half of the input, and
// the edits must never be more than a few bytes longer than the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "stats/patch.h"

namespace patch = synthmod::patch;
namespace text = synthmod::text;

namespace {

void check(std::string_view raw, std::string_view base) {
    std::vector<char> edits;
    patch::encode(raw, base, edits);
    if (edits.size() > raw.size() + 16) std::abort();
    std::string out;
    patch::decode(std::string_view(edits.data(), edits.size()), base, out);
    if (out != raw) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (text::is_valid_utf8(input)) check(input, text::normalize(input));
    check(input.substr(0, size / 2), input.substr(size / 2));
    return 0;
}
