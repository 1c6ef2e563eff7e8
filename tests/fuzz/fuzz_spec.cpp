// fuzz_spec: spec::parse on arbitrary text must return a valid Spec or throw InputError whose
// message starts with "fuzz.toml:"; a Spec it returns must keep its invariants (labels with
// names and definitions, weights summing to 1, at least one variant) and render its prompts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/errors.h"
#include "common/spec.h"

namespace spec = synthmod::spec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    spec::Spec s;
    try {
        s = spec::parse(text, "fuzz.toml");
    } catch (const synthmod::InputError& e) {
        if (std::string(e.what()).rfind("fuzz.toml:", 0) != 0) std::abort();
        return 0;
    }
    if (s.labels.empty() || s.label_weights.size() != s.labels.size()) std::abort();
    double sum = 0;
    for (double w : s.label_weights) {
        if (!(w >= 0)) std::abort();
        sum += w;
    }
    if (std::fabs(sum - 1) > 1e-9) std::abort();
    for (const auto& label : s.labels) {
        if (label.name.empty() || label.definition.empty()) std::abort();
        if (s.label_index(label.name) < 0) std::abort();
    }
    if (s.generator.variants.empty()) std::abort();
    const std::map<std::string, std::string> values = {{"persona", "p"},
                                                       {"label", "l"},
                                                       {"label_definition", "d"},
                                                       {"labels", "ls"},
                                                       {"context", "c"}};
    for (const auto& variant : s.generator.variants) {
        const std::string out = spec::render(variant.prompt, values);
        // Every placeholder was validated, so none may survive rendering.
        for (const auto& name : spec::placeholders()) {
            if (out.find("{{" + name + "}}") != std::string::npos) std::abort();
        }
    }
    return 0;
}
