#include "stats/charts.h"

#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace synthmod::charts {

namespace {

constexpr double kPad = 10;              ///< empty border around everything drawn
constexpr double kFont = 12;             ///< labels and values
constexpr double kSmallFont = 11;        ///< tick numbers, legend
constexpr double kTitleFont = 14;        ///< the chart's title (bold)
constexpr double kTitleBottom = 40;      ///< where the plot starts below the title line
constexpr double kMaxLabel = 220;        ///< widest row label column; longer labels wrap, then cut
constexpr double kMaxColumnLabel = 260;  ///< longest (rotated) column label of a heat map
constexpr double kPlot = 320;            ///< width of a bar chart's value axis
constexpr double kCos45 = 0.70710678;

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

/// Width in em of one code point: at least the widest glyph of its class in DejaVu Sans (what
/// rsvg-convert draws with on Debian) and Arial/Helvetica (what browsers use).
double char_em(utf8proc_int32_t cp) {
    if (cp < 0x80) {
        const char c = static_cast<char>(cp);
        if (c != '\0' && std::strchr(" !'(),-./:;I[]fijlrt|", c)) return 0.42;  // at most 0.41
        if (c != '\0' && std::strchr("mwMW@%#&+<=>~^", c)) return 1.05;         // 0.78 .. 1.02
        if (c >= 'A' && c <= 'Z') return 0.8;                                   // at most 0.79
        return 0.64;  // lower case, digits, the rest: at most 0.64
    }
    // East Asian wide and fullwidth: two columns of 0.8 em (their glyphs are 1 em wide); any
    // other code point as wide as the widest Latin, Cyrillic or symbol glyphs (Ю, œ, …: ~1 em).
    return utf8proc_charwidth(cp) >= 2 ? 1.6 : 1.05;
}

/// One code point of a text: where it starts, how many bytes, how wide, whether a space.
struct Glyph {
    std::size_t at = 0, bytes = 0;
    double width = 0;
    bool space = false;
};

std::vector<Glyph> glyphs(std::string_view s, double font_size) {
    std::vector<Glyph> out;
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
    for (std::size_t i = 0; i < s.size();) {
        utf8proc_int32_t cp = 0;
        auto n = utf8proc_iterate(p + i, static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
        if (n <= 0) n = 1, cp = 0xFFFD;  // not UTF-8: count the byte as one wide glyph
        out.push_back({i, static_cast<std::size_t>(n), char_em(cp) * font_size, cp == ' '});
        i += static_cast<std::size_t>(n);
    }
    return out;
}

const char* const kEllipsis = "\xe2\x80\xa6";

/// The largest "nice" step (1, 2 or 5 times a power of ten) of about five ticks up to `max`.
struct Scale {
    double max = 1;
    double step = 1;
    int decimals = 0;
};

Scale nice_scale(double max_value, bool integers) {
    Scale s;
    if (!(max_value > 0) || !std::isfinite(max_value)) return s;
    const double raw = max_value / 5;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    s.step = 10 * power;
    for (double m : {1.0, 2.0, 5.0})
        if (m * power >= raw * (1 - 1e-9)) {
            s.step = m * power;
            break;
        }
    if (integers) s.step = std::max(s.step, 1.0);
    s.max = std::ceil(max_value / s.step - 1e-9) * s.step;
    s.decimals = std::max(0, -static_cast<int>(std::floor(std::log10(s.step) + 1e-9)));
    return s;
}

std::string tick_text(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/// A <text> element; `attrs` are extra attributes (with a leading space).
std::string text_at(double x, double y, const std::string& text, const std::string& attrs = "") {
    return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + attrs + ">" + xml_escape(text) +
           "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const char* stroke) {
    return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
           num(y2) + "\" stroke=\"" + stroke + "\"/>\n";
}

std::string rect(double x, double y, double w, double h, const std::string& fill,
                 const std::string& extra = "") {
    return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
           num(h) + "\" fill=\"" + fill + "\"" + extra + "/>\n";
}

/// The document around `body`, sized `width` x `height`, with the title on its first line (cut
/// with an ellipsis to the width, which is at least the title's when the caller asks).
std::string document(double width, double height, const std::string& title,
                     const std::string& body) {
    const auto shown = fit_lines(title, width - 2 * kPad, kTitleFont * 1.15, 1);
    const std::string t = xml_escape(title);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
           num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
           num(height) +
           "\" role=\"img\" aria-labelledby=\"chart-title\" font-family=\"sans-serif\" "
           "font-size=\"12\">\n<title id=\"chart-title\">" +
           t + "</title>\n<rect width=\"" + num(width) + "\" height=\"" + num(height) +
           "\" fill=\"#ffffff\"/>\n" +
           text_at(kPad, 22, shown.empty() ? "" : shown.front(),
                   " font-size=\"14\" font-weight=\"bold\"") +
           body + "</svg>\n";
}

/// The width a chart needs for its title.
double title_room(const std::string& title) {
    return text_width(title, kTitleFont, true) + 2 * kPad;
}

/// A row label column: each label in up to two lines of at most kMaxLabel.
struct LabelColumn {
    std::vector<std::vector<std::string>> lines;
    double width = 0;
    std::size_t most_lines = 1;
};

LabelColumn label_column(const std::vector<std::string>& labels) {
    LabelColumn c;
    for (const auto& l : labels) c.width = std::max(c.width, text_width(l, kFont));
    c.width = std::min(c.width, kMaxLabel);
    for (const auto& l : labels) {
        c.lines.push_back(fit_lines(l, c.width, kFont, 2));
        c.most_lines = std::max(c.most_lines, c.lines.back().size());
    }
    return c;
}

/// A label's lines right-aligned at `x`, centred on `middle`.
std::string label_lines(double x, double middle, const std::vector<std::string>& lines) {
    std::string out;
    double y = middle + 4 - 7 * static_cast<double>(lines.size() - 1);
    for (const auto& l : lines) {
        out += text_at(x, y, l, " text-anchor=\"end\"");
        y += 14;
    }
    return out;
}

/// A horizontal value axis under a plot from `x0` (value 0) to `x0 + kPlot` (scale.max) whose
/// rows run from `top` to `bottom`: grid lines, ticks, numbers, the axis title. Returns the SVG;
/// `right` grows to the rightmost pixel it draws.
std::string value_axis(double x0, double top, double bottom, const Scale& scale,
                       const std::string& title, double* right) {
    std::string out;
    const int ticks = static_cast<int>(std::lround(scale.max / scale.step));
    for (int k = 0; k <= ticks; ++k) {
        const double v = scale.step * k, x = x0 + kPlot * v / scale.max;
        const std::string t = tick_text(v, scale.decimals);
        out += line(x, top, x, bottom, k == 0 ? "#333333" : "#e5e5e5");
        out += line(x, bottom, x, bottom + 4, "#333333");
        out += text_at(x, bottom + 16, t, " font-size=\"11\" text-anchor=\"middle\"");
        *right = std::max(*right, x + text_width(t, kSmallFont) / 2);
    }
    out += line(x0, bottom, x0 + kPlot, bottom, "#333333");
    const auto shown = fit_lines(title, kPlot, kFont, 1);
    out += text_at(x0 + kPlot / 2, bottom + 32, shown.empty() ? "" : shown.front(),
                   " text-anchor=\"middle\"");
    return out;
}

}  // namespace

double text_width(std::string_view text, double font_size, bool bold) {
    double w = 0;
    for (const auto& g : glyphs(text, font_size)) w += g.width;
    return bold ? w * 1.15 : w;
}

std::vector<std::string> fit_lines(std::string_view text, double max_width, double font_size,
                                   std::size_t max_lines) {
    const auto gs = glyphs(text, font_size);
    const double ellipsis = text_width(kEllipsis, font_size);
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (out.size() < max_lines) {
        while (pos < gs.size() && gs[pos].space) ++pos;
        if (pos == gs.size()) break;
        std::size_t end = pos;  // the glyphs [pos, end) fit in max_width
        for (double w = 0; end < gs.size() && w + gs[end].width <= max_width; ++end)
            w += gs[end].width;
        auto bytes = [&](std::size_t a, std::size_t b) {
            const std::size_t from = gs[a].at, to = b < gs.size() ? gs[b].at : text.size();
            return std::string(text.substr(from, to - from));
        };
        if (end == gs.size()) {
            out.push_back(bytes(pos, end));
            break;
        }
        if (out.size() + 1 == max_lines) {  // the last line: cut, and say so
            std::size_t cut = pos;
            for (double w = 0; cut < gs.size() && w + gs[cut].width + ellipsis <= max_width; ++cut)
                w += gs[cut].width;
            while (cut > pos && gs[cut - 1].space) --cut;
            out.push_back(cut > pos ? bytes(pos, cut) + kEllipsis : std::string(kEllipsis));
            break;
        }
        std::size_t brk = end;
        while (brk > pos && !gs[brk].space) --brk;
        if (brk > pos) {
            std::size_t last = brk;
            while (last > pos && gs[last - 1].space) --last;
            out.push_back(bytes(pos, last));
            pos = brk + 1;
        } else {
            if (end == pos) ++end;  // not even one glyph fits: take it anyway
            out.push_back(bytes(pos, end));
            pos = end;
        }
    }
    return out;
}

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

std::string bar_chart(const std::string& title, const std::vector<Bar>& bars,
                      const std::string& axis_title) {
    std::vector<std::string> labels;
    double max = 0;
    bool integers = true;
    for (const auto& b : bars) {
        labels.push_back(b.label);
        max = std::max(max, b.value);
        integers = integers && b.value == std::floor(b.value);
    }
    const LabelColumn column = label_column(labels);
    const Scale scale = nice_scale(max, integers);
    const double row_h = column.most_lines > 1 ? 36 : 24, top = kTitleBottom;
    const double x0 = kPad + column.width + 8;
    const double bottom = top + row_h * static_cast<double>(bars.size()) + 4;
    double right = std::max(title_room(title) - kPad, x0 + kPlot);
    std::string body = value_axis(x0, top, bottom, scale, axis_title, &right);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i];
        const double y = top + row_h * static_cast<double>(i), middle = y + row_h / 2;
        const double w = kPlot * std::max(b.value, 0.0) / scale.max;
        body += "<g>\n<title>" + xml_escape(b.label + ": " + b.text) + "</title>\n";
        body += label_lines(x0 - 6, middle, column.lines[i]);
        body += rect(x0, middle - 8, w, 16, "#4c78a8");
        body += text_at(x0 + w + 6, middle + 4, b.text) + "</g>\n";
        right = std::max(right, x0 + w + 6 + text_width(b.text, kFont));
    }
    return document(right + kPad, bottom + 32 + 8 + kPad, title, body);
}

std::string spread_chart(const std::string& title, const std::vector<Spread>& spreads,
                         const std::string& axis_title) {
    std::vector<std::string> labels, texts;
    double max = 0, text_w = 0;
    for (const auto& s : spreads) {
        labels.push_back(s.label);
        max = std::max({max, s.p95, s.mean, s.median});
        texts.push_back("median " + count_text(s.median) + ", mean " + count_text(s.mean) +
                        ", p95 " + count_text(s.p95));
        text_w = std::max(text_w, text_width(texts.back(), kFont));
    }
    const LabelColumn column = label_column(labels);
    const Scale scale = nice_scale(max, false);
    const double row_h = column.most_lines > 1 ? 36 : 26, top = kTitleBottom;
    const double x0 = kPad + column.width + 8;
    const double bottom = top + row_h * static_cast<double>(spreads.size()) + 4;
    auto x_of = [&](double v) { return x0 + kPlot * std::max(v, 0.0) / scale.max; };
    double right = std::max(title_room(title) - kPad, x0 + kPlot + 14 + text_w);
    std::string body = value_axis(x0, top, bottom, scale, axis_title, &right);
    for (std::size_t i = 0; i < spreads.size(); ++i) {
        const auto& s = spreads[i];
        const double middle = top + row_h * static_cast<double>(i) + row_h / 2;
        body += "<g>\n<title>" + xml_escape(s.label + ": " + texts[i] + " " + axis_title) +
                "</title>\n";
        body += label_lines(x0 - 6, middle, column.lines[i]);
        body += rect(x0, middle - 8, x_of(s.median) - x0, 16, "#72b7b2");
        body += line(x_of(s.median), middle, x_of(s.p95), middle, "#333333");
        body += line(x_of(s.p95), middle - 6, x_of(s.p95), middle + 6, "#333333");
        body += "<circle cx=\"" + num(x_of(s.mean)) + "\" cy=\"" + num(middle) +
                "\" r=\"3\" fill=\"#e45756\"/>\n";
        body += text_at(x0 + kPlot + 14, middle + 4, texts[i]) + "</g>\n";
    }
    // The legend: what the bar, the whisker and the dot are.
    const double ly = bottom + 52;
    double lx = x0;
    body += "<g>\n" + rect(lx, ly - 9, 14, 10, "#72b7b2") +
            text_at(lx + 18, ly, "median", " font-size=\"11\"");
    lx += 18 + text_width("median", kSmallFont) + 14;
    body += line(lx, ly - 4, lx + 14, ly - 4, "#333333") +
            line(lx + 14, ly - 9, lx + 14, ly + 1, "#333333");
    body += text_at(lx + 18, ly, "to p95", " font-size=\"11\"");
    lx += 18 + text_width("to p95", kSmallFont) + 14;
    body += "<circle cx=\"" + num(lx + 5) + "\" cy=\"" + num(ly - 4) +
            "\" r=\"3\" fill=\"#e45756\"/>\n" + text_at(lx + 12, ly, "mean", " font-size=\"11\"") +
            "</g>\n";
    right = std::max(right, lx + 12 + text_width("mean", kSmallFont));
    return document(right + kPad, ly + 6 + kPad, title, body);
}

namespace {

/// The fill of a heat-map cell holding `share` of its row: white (0) to #3737ff (1).
std::string shade(double share) {
    const int level = static_cast<int>(std::lround(255 - 200 * std::clamp(share, 0.0, 1.0)));
    char fill[16];
    std::snprintf(fill, sizeof fill, "#%02x%02xff", level, level);
    return fill;
}

/// The heat map's legend at (x, y): five swatches from 0 % to 100 % of the row. Returns its SVG;
/// `right` grows to its right end.
std::string share_legend(double x, double y, double* right) {
    std::string out = "<g>\n" + text_at(x, y, "share of the row:", " font-size=\"11\"");
    x += text_width("share of the row:", kSmallFont) + 8;
    for (int k = 0; k <= 4; ++k) {
        const std::string t = std::to_string(25 * k) + " %";
        out += rect(x, y - 10, 14, 12, shade(k / 4.0), " stroke=\"#888888\"");
        out += text_at(x + 18, y, t, " font-size=\"11\"");
        x += 18 + text_width(t, kSmallFont) + 10;
    }
    *right = std::max(*right, x);
    return out + "</g>\n";
}

}  // namespace

std::string heat_map(const std::string& title, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& column_labels, const Eigen::MatrixXd& matrix,
                     const std::string& row_title, const std::string& column_title) {
    const LabelColumn rows = label_column(row_labels);
    const auto n_rows = static_cast<Eigen::Index>(row_labels.size());
    const auto n_cols = static_cast<Eigen::Index>(column_labels.size());
    double cell_w = 56, total_w = text_width("rows", kFont);
    const Eigen::VectorXd totals = matrix.rowwise().sum();
    for (Eigen::Index r = 0; r < n_rows; ++r) {
        total_w = std::max(total_w, text_width(count_text(totals(r)), kFont));
        for (Eigen::Index c = 0; c < n_cols; ++c)
            cell_w = std::max(cell_w, text_width(count_text(matrix(r, c)), kFont) + 10);
    }
    const double cell_h = rows.most_lines > 1 ? 40 : 34, top = kTitleBottom + 24;
    const double x0 = kPad + rows.width + 8, grid_right = x0 + cell_w * n_cols;
    const double grid_bottom = top + cell_h * n_rows;
    const std::string axes = "rows: " + row_title + "; columns: " + column_title;
    double right = std::max(
        {title_room(title) - kPad, kPad + text_width(axes, kFont), grid_right + 8 + total_w});
    std::string body = text_at(kPad, kTitleBottom + 6, axes);
    body += text_at(grid_right + 8, top - 6, "rows");
    for (Eigen::Index r = 0; r < n_rows; ++r) {
        const double y = top + cell_h * r;
        body += label_lines(x0 - 6, y + cell_h / 2, rows.lines[r]);
        for (Eigen::Index c = 0; c < n_cols; ++c) {
            const double x = x0 + cell_w * c, v = matrix(r, c);
            const double share = totals(r) > 0 ? v / totals(r) : 0;
            char pct[32];
            std::snprintf(pct, sizeof pct, " (%.1f %% of the row)", 100 * share);
            body +=
                "<g>\n<title>" +
                xml_escape(row_labels[r] + " / " + column_labels[c] + ": " + count_text(v) + pct) +
                "</title>\n" + rect(x, y, cell_w, cell_h, shade(share), " stroke=\"#888888\"");
            body +=
                text_at(x + cell_w / 2, y + cell_h / 2 + 4, count_text(v),
                        std::string(" text-anchor=\"middle\"") +
                            (share > 0.6 ? " fill=\"#ffffff\"" : "") +
                            (row_labels[r] == column_labels[c] ? " font-weight=\"bold\"" : "")) +
                "</g>\n";
        }
        body += text_at(grid_right + 8, y + cell_h / 2 + 4, count_text(totals(r)));
    }
    // Column labels, rotated 45 degrees below the grid, cut to kMaxColumnLabel.
    double label_drop = 0;
    for (Eigen::Index c = 0; c < n_cols; ++c) {
        const double x = x0 + cell_w * c + cell_w / 2 - 4, y = grid_bottom + 12;
        const auto shown = fit_lines(column_labels[c], kMaxColumnLabel, kFont, 1);
        const std::string t = shown.empty() ? "" : shown.front();
        const double w = text_width(t, kFont);
        body += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" transform=\"rotate(45 " + num(x) +
                " " + num(y) + ")\">" + xml_escape(t) + "</text>\n";
        right = std::max(right, x + (w + kFont) * kCos45);
        label_drop = std::max(label_drop, (w + kFont) * kCos45);
    }
    body += share_legend(kPad, grid_bottom + 12 + label_drop + 18, &right);
    return document(right + kPad, grid_bottom + 12 + label_drop + 18 + 6 + kPad, title, body);
}

}  // namespace synthmod::charts
