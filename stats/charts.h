// charts: small self-contained SVG charts for report.md (well-formed XML, escaped text, a
// <title>, and every value written as text so a chart reads without colour).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

namespace synthmod::charts {

/// Escapes text for XML character data and attribute values; drops control characters.
std::string xml_escape(const std::string& s);

/// One bar of a horizontal bar chart.
struct Bar {
    std::string label;
    double value = 0;
    std::string text;  ///< written at the bar's end, e.g. "412 (24.5 %)"
};

/// Horizontal bar chart, one bar per entry, bars scaled to the largest value.
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars);

/// One label's length distribution: a bar to the median with a whisker to p95 and a mean mark.
struct Spread {
    std::string label;
    double mean = 0;
    double median = 0;
    double p95 = 0;
};
std::string spread_chart(const std::string& title, const std::vector<Spread>& spreads);

/// Heat map of a square matrix (rows: `row_title`, columns: `column_title`), counts in cells.
std::string heat_map(const std::string& title, const std::vector<std::string>& labels,
                     const Eigen::MatrixXd& matrix, const std::string& row_title,
                     const std::string& column_title);

}  // namespace synthmod::charts
