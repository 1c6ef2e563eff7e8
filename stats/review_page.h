// review_page: the fixed parts of the review page (markup, style, script), kept apart from the
// sampling so the JavaScript reads as one piece. The script reads the sample from the JSON
// element #sample and puts row text on the page with textContent only.
#pragma once

#include <string>

namespace synthmod::review {

/// The page's markup between <body> and the data element (no row text in it).
const std::string& page_body();
/// The inline style sheet (allowed by its hash).
const std::string& page_style();
/// The inline script (allowed by its hash).
const std::string& page_script();

}  // namespace synthmod::review
