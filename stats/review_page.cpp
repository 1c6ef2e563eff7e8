#include "stats/review_page.h"

namespace synthmod::review {

const std::string& page_body() {
    static const std::string kBody = R"HTML(<header>
<h1 id="title"></h1>
<div class="bar">
<progress id="progress" value="0" max="1"></progress>
<span id="count"></span>
<label>Reviewer <input id="reviewer" type="text" autocomplete="off" spellcheck="false" maxlength="80"></label>
<button id="undo" type="button" title="u or Ctrl+Z">Undo (u)</button>
<button id="jump" type="button" title="n">Next unanswered (n)</button>
<button id="download" type="button">Download CSV</button>
</div>
<div id="status" role="status"></div>
</header>
<main>
<div class="nav"><button id="prev" type="button">&larr; previous (k)</button>
<span id="position"></span>
<button id="next" type="button">next (j) &rarr;</button></div>
<section id="context-box" hidden><h2>Context</h2><div id="context" class="rowtext"></div></section>
<section><h2>Post <span id="controls-warning" class="warning" hidden>contains invisible or direction-changing characters</span></h2>
<div id="text" class="rowtext"></div></section>
<section><h2>Label</h2><div id="labels" class="choices"></div></section>
<section><h2>Realism <small>(Shift + 1&hellip;5)</small></h2><div id="realism" class="choices"></div></section>
<section><h2>Issues</h2><div id="tags" class="choices"></div></section>
<section><h2>Note</h2><textarea id="note" rows="2" maxlength="2000"></textarea></section>
<section id="reveal" hidden><h2>Labels given</h2><p id="reveal-text"></p></section>
<p class="help">Keys: the key shown on each label and issue; Shift + 1&hellip;5 realism; j / &rarr; / Enter next; k / &larr; previous; n next unanswered; u undo; Esc leaves the note. Answers are kept in this browser until you download them.</p>
</main>
)HTML";
    return kBody;
}

const std::string& page_style() {
    static const std::string kStyle = R"CSS(
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc; padding: .5em 1em; }
h1 { font-size: 1.1em; margin: 0 0 .3em; }
h2 { font-size: .95em; margin: .8em 0 .3em; color: #444; }
.bar { display: flex; flex-wrap: wrap; gap: .6em; align-items: center; }
progress { width: 12em; }
main { max-width: 60em; margin: 0 auto; padding: .5em 1em 3em; }
.nav { display: flex; gap: 1em; align-items: center; }
.rowtext { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate; background: #fff;
  border: 1px solid #ccc; padding: .6em; max-height: 45vh; overflow: auto; }
.choices { display: flex; flex-wrap: wrap; gap: .4em; }
.choices button, .choices label { border: 1px solid #999; border-radius: 4px; background: #fff;
  padding: .25em .6em; cursor: pointer; font: inherit; }
.choices .chosen { background: #1d5fbf; color: #fff; border-color: #1d5fbf; }
kbd { font: .85em monospace; border: 1px solid #aaa; border-radius: 3px; padding: 0 .25em; margin-right: .3em; }
textarea { width: 100%; font: inherit; }
.warning { color: #a40000; font-weight: normal; }
.help { color: #555; font-size: .9em; }
#status { min-height: 1.2em; color: #555; font-size: .9em; }
)CSS";
    return kStyle;
}

const std::string& page_script() {
    // stats/review_page.js, embedded at build time (stats/CMakeLists.txt) as it is, byte for
    // byte: the page's Content-Security-Policy carries the script's hash.
    static const std::string kScript =
#include "review_page_js.inc"
        ;
    return kScript;
}

}  // namespace synthmod::review
