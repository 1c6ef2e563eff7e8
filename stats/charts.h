// charts: small self-contained SVG charts for report.md (well-formed XML, escaped text, a
// <title>, and every value written as text so a chart reads without colour). Every text is
// measured with a conservative width (text_width) and wrapped or cut with an ellipsis to the room
// it has, and the canvas is sized to what is drawn: nothing lies outside the picture.
#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>
#include <vector>

namespace synthmod::charts {

/// Escapes text for XML character data and attribute values; drops control characters.
std::string xml_escape(const std::string& s);

/// An upper bound of the width in pixels `text` takes in a sans-serif font of `font_size` pixels
/// (DejaVu Sans, Arial, Helvetica): each code point counts with the widest glyph of its class
/// (narrow ASCII such as i l t 0.42 em, capitals 0.8 em, m w M W @ % and the like 1.05 em, other
/// ASCII 0.64 em), an East Asian wide or fullwidth character (utf8proc_charwidth 2) two columns
/// of 0.8 em, any other code point 1.05 em. `bold` adds 15 %.
double text_width(std::string_view text, double font_size, bool bold = false);

/// `text` in at most `max_lines` lines of at most `max_width` pixels (text_width), broken at
/// spaces where it can and inside a word where it must; the last line ends in an ellipsis when
/// the text did not fit.
std::vector<std::string> fit_lines(std::string_view text, double max_width, double font_size,
                                   std::size_t max_lines);

/// One bar of a horizontal bar chart.
struct Bar {
    std::string label;
    double value = 0;
    std::string text;  ///< written at the bar's end, e.g. "412 (24.5 %)"
};

/// Horizontal bar chart, one bar per entry, on an axis from 0 with ticks, numbered, and titled
/// `axis_title`.
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars,
                      const std::string& axis_title);

/// One label's length distribution: a bar to the median with a whisker to p95 and a mean mark.
struct Spread {
    std::string label;
    double mean = 0;
    double median = 0;
    double p95 = 0;
};
/// The spreads on one axis (titled `axis_title`), with a legend of the bar, whisker and mark.
std::string spread_chart(const std::string& title, const std::vector<Spread>& spreads,
                         const std::string& axis_title);

/// Heat map of a rows x columns count matrix: the count in every cell, each row's total beside
/// it, cells shaded by their share of the row (a legend gives the scale).
std::string heat_map(const std::string& title, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& column_labels, const Eigen::MatrixXd& matrix,
                     const std::string& row_title, const std::string& column_title);

}  // namespace synthmod::charts
