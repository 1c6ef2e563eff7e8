#include "common/errors.h"

namespace synthmod {

std::string InputError::where(const std::string& file, std::size_t line) {
    if (line == 0) return file + ": ";
    return file + ":" + std::to_string(line) + ": ";
}

ExitCode exit_code_for(const std::exception& e) {
    if (auto* err = dynamic_cast<const Error*>(&e)) return err->exit_code();
    return ExitCode::kUsage;
}

std::string printable(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b) {
            // Skip an ESC sequence: CSI (ESC [ ... final byte 0x40-0x7e), OSC (ESC ] ... BEL or ST),
            // or a two-byte escape.
            if (i + 1 < text.size() && text[i + 1] == '[') {
                i += 2;
                while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e)) ++i;
            } else if (i + 1 < text.size() && text[i + 1] == ']') {
                i += 2;
                while (i < text.size() && text[i] != '\a' &&
                       !(text[i] == 0x1b && i + 1 < text.size() && text[i + 1] == '\\'))
                    ++i;
                if (i < text.size() && text[i] == 0x1b) ++i;
            } else {
                ++i;
            }
            continue;
        }
        // A message is printed as one line: line breaks and tabs become a space.
        if (c == '\n' || c == '\r' || c == '\t') {
            out.push_back(' ');
            continue;
        }
        if (c < 0x20 || c == 0x7f) continue;
        // Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) could reorder
        // the text of the message around them ("Trojan Source").
        if (c == 0xe2 && i + 2 < text.size()) {
            const auto b1 = static_cast<unsigned char>(text[i + 1]);
            const auto b2 = static_cast<unsigned char>(text[i + 2]);
            if ((b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae) ||
                (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
                i += 2;
                continue;
            }
        }
        // C1 controls encoded in UTF-8: 0xC2 0x80..0x9F.
        if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
            ++i;
            continue;
        }
        out.push_back(static_cast<char>(c));
    }
    return out;
}

}  // namespace synthmod
