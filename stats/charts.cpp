#include "stats/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace synthmod::charts {

namespace {

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string count_text(double v) {
    char buf[32];
    if (v == std::floor(v))
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

/// Cuts a label to `max` code points (an ellipsis marks the cut) so it fits its column.
std::string clip(const std::string& s, std::size_t max) {
    std::size_t cps = 0, i = 0;
    for (; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (cps == max) return s.substr(0, i) + "\xe2\x80\xa6";
            ++cps;
        }
    }
    return s;
}

std::string open_svg(double width, double height, const std::string& title) {
    std::string t = xml_escape(title);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
           num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
           num(height) +
           "\" role=\"img\" aria-labelledby=\"chart-title\" font-family=\"sans-serif\" "
           "font-size=\"12\">\n<title id=\"chart-title\">" +
           t +
           "</title>\n"
           "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
           "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" +
           t + "</text>\n";
}

}  // namespace

std::string xml_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        unsigned char u = static_cast<unsigned char>(c);
        // U+FFFE and U+FFFF are valid UTF-8 but not XML 1.0 characters: U+FFFD instead.
        if (u == 0xef && i + 2 < s.size() && s[i + 1] == '\xbf' &&
            (s[i + 2] == '\xbe' || s[i + 2] == '\xbf')) {
            out += "\xef\xbf\xbd";
            i += 2;
            continue;
        }
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                if (u < 0x20 || u == 0x7f)
                    out += ' ';  // XML 1.0 forbids most C0 controls
                else
                    out += c;
        }
    }
    return out;
}

std::string bar_chart(const std::string& title, const std::vector<Bar>& bars) {
    const double label_w = 190, bar_w = 320, text_w = 130, row_h = 24, top = 34;
    const double width = label_w + bar_w + text_w + 20;
    const double height = top + row_h * static_cast<double>(bars.size()) + 12;
    double max = 0;
    for (const auto& b : bars) max = std::max(max, b.value);
    std::string out = open_svg(width, height, title);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i];
        double y = top + row_h * static_cast<double>(i);
        double w = max > 0 ? bar_w * b.value / max : 0;
        out += "<g>\n<title>" + xml_escape(b.label + ": " + b.text) + "</title>\n";
        out += "<text x=\"" + num(label_w - 6) + "\" y=\"" + num(y + 16) +
               "\" text-anchor=\"end\">" + xml_escape(clip(b.label, 28)) + "</text>\n";
        out += "<rect x=\"" + num(label_w) + "\" y=\"" + num(y + 4) + "\" width=\"" + num(w) +
               "\" height=\"" + num(row_h - 8) + "\" fill=\"#4c78a8\"/>\n";
        out += "<text x=\"" + num(label_w + w + 6) + "\" y=\"" + num(y + 16) + "\">" +
               xml_escape(b.text) + "</text>\n</g>\n";
    }
    out += "</svg>\n";
    return out;
}

std::string spread_chart(const std::string& title, const std::vector<Spread>& spreads) {
    const double label_w = 190, bar_w = 300, text_w = 220, row_h = 26, top = 34;
    const double width = label_w + bar_w + text_w + 20;
    const double height = top + row_h * static_cast<double>(spreads.size()) + 12;
    double max = 0;
    for (const auto& s : spreads) max = std::max({max, s.p95, s.mean, s.median});
    auto x_of = [&](double v) { return label_w + (max > 0 ? bar_w * v / max : 0); };
    std::string out = open_svg(width, height, title);
    for (std::size_t i = 0; i < spreads.size(); ++i) {
        const auto& s = spreads[i];
        double y = top + row_h * static_cast<double>(i);
        std::string text = "median " + count_text(s.median) + ", mean " + count_text(s.mean) +
                           ", p95 " + count_text(s.p95) + " words";
        out += "<g>\n<title>" + xml_escape(s.label + ": " + text) + "</title>\n";
        out += "<text x=\"" + num(label_w - 6) + "\" y=\"" + num(y + 17) +
               "\" text-anchor=\"end\">" + xml_escape(clip(s.label, 28)) + "</text>\n";
        out += "<rect x=\"" + num(label_w) + "\" y=\"" + num(y + 5) + "\" width=\"" +
               num(x_of(s.median) - label_w) + "\" height=\"" + num(row_h - 10) +
               "\" fill=\"#72b7b2\"/>\n";
        out += "<line x1=\"" + num(x_of(s.median)) + "\" y1=\"" + num(y + 13) + "\" x2=\"" +
               num(x_of(s.p95)) + "\" y2=\"" + num(y + 13) + "\" stroke=\"#333333\"/>\n";
        out += "<line x1=\"" + num(x_of(s.p95)) + "\" y1=\"" + num(y + 7) + "\" x2=\"" +
               num(x_of(s.p95)) + "\" y2=\"" + num(y + 19) + "\" stroke=\"#333333\"/>\n";
        out += "<circle cx=\"" + num(x_of(s.mean)) + "\" cy=\"" + num(y + 13) +
               "\" r=\"3\" fill=\"#e45756\"/>\n";
        out += "<text x=\"" + num(label_w + bar_w + 8) + "\" y=\"" + num(y + 17) + "\">" +
               xml_escape(text) + "</text>\n</g>\n";
    }
    out += "</svg>\n";
    return out;
}

std::string heat_map(const std::string& title, const std::vector<std::string>& labels,
                     const Eigen::MatrixXd& matrix, const std::string& row_title,
                     const std::string& column_title) {
    const double label_w = 190, cell = 56, top = 60;
    const auto k = static_cast<double>(labels.size());
    const double width = label_w + cell * k + 20;
    const double height = top + cell * k + 150;
    const double max = matrix.size() ? matrix.maxCoeff() : 0;
    std::string out = open_svg(width, height, title);
    out += "<text x=\"" + num(label_w) + "\" y=\"44\">columns: " + xml_escape(column_title) +
           "; rows: " + xml_escape(row_title) + "</text>\n";
    for (std::size_t r = 0; r < labels.size(); ++r) {
        double y = top + cell * static_cast<double>(r);
        out += "<text x=\"" + num(label_w - 6) + "\" y=\"" + num(y + cell / 2 + 4) +
               "\" text-anchor=\"end\">" + xml_escape(clip(labels[r], 28)) + "</text>\n";
        for (std::size_t c = 0; c < labels.size(); ++c) {
            double x = label_w + cell * static_cast<double>(c);
            double v = matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
            double shade = max > 0 ? v / max : 0;
            int level = static_cast<int>(std::lround(255 - 200 * shade));
            char fill[16];
            std::snprintf(fill, sizeof fill, "#%02x%02xff", level, level);
            out +=
                "<g>\n<title>" + xml_escape(labels[r] + " / " + labels[c] + ": " + count_text(v)) +
                "</title>\n<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(cell) +
                "\" height=\"" + num(cell) + "\" fill=\"" + fill + "\" stroke=\"#888888\"/>\n";
            out += "<text x=\"" + num(x + cell / 2) + "\" y=\"" + num(y + cell / 2 + 4) +
                   "\" text-anchor=\"middle\"" + (shade > 0.6 ? " fill=\"#ffffff\"" : "") +
                   (r == c ? " font-weight=\"bold\"" : "") + ">" + count_text(v) +
                   "</text>\n</g>\n";
        }
    }
    // Column labels, rotated below the grid.
    for (std::size_t c = 0; c < labels.size(); ++c) {
        double x = label_w + cell * static_cast<double>(c) + cell / 2;
        double y = top + cell * k + 10;
        out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" transform=\"rotate(45 " + num(x) +
               " " + num(y) + ")\">" + xml_escape(clip(labels[c], 20)) + "</text>\n";
    }
    out += "</svg>\n";
    return out;
}

}  // namespace synthmod::charts
