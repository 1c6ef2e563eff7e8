
(function () {
  'use strict';
  var S = JSON.parse(document.getElementById('sample').textContent);
  var N = S.items.length;
  var answers = {};   // row position -> {label, realism, issues: [], note}
  var reviewer = '';
  var cur = 0;
  var history = [];   // undo stack: {i, before}
  var $ = function (id) { return document.getElementById(id); };

  function clone(a) {
    return a ? {label: a.label, realism: a.realism, issues: a.issues.slice(), note: a.note} : null;
  }
  function blank() { return {label: '', realism: 0, issues: [], note: ''}; }
  function status(text) { $('status').textContent = text; }

  // ---- autosave (localStorage; every file:// page shares it, hence the per-sample key) ----
  function load() {
    var raw = null;
    try { raw = window.localStorage.getItem(S.storage_key); } catch (e) { status('Autosave is off in this browser: download before closing.'); return; }
    if (!raw) return;
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    if (!saved || typeof saved !== 'object') return;
    var got = saved.answers || {};
    Object.keys(got).forEach(function (k) {
      var i = Number(k), a = got[k];
      if (!(i >= 0 && i < N && Math.floor(i) === i) || !a || typeof a !== 'object') return;
      var clean = blank();
      if (S.labels.indexOf(a.label) >= 0) clean.label = a.label;
      if (a.realism >= 1 && a.realism <= 5) clean.realism = Math.floor(a.realism);
      if (Array.isArray(a.issues)) clean.issues = a.issues.filter(function (t) { return S.tags.indexOf(t) >= 0; });
      if (typeof a.note === 'string') clean.note = a.note;
      answers[i] = clean;
    });
    if (typeof saved.reviewer === 'string') reviewer = saved.reviewer;
    if (saved.cur >= 0 && saved.cur < N) cur = Math.floor(saved.cur);
    status('Restored ' + answered() + ' answers saved in this browser.');
  }
  function save() {
    try {
      window.localStorage.setItem(S.storage_key, JSON.stringify({answers: answers, reviewer: reviewer, cur: cur}));
    } catch (e) { status('Autosave failed: download before closing.'); }
  }

  function answered() {
    var n = 0;
    for (var i = 0; i < N; ++i) if (answers[i] && answers[i].label) ++n;
    return n;
  }

  // ---- changes (each one undoable) ----
  function change(fn) {
    if (!N) return;
    history.push({i: cur, before: clone(answers[cur])});
    var a = clone(answers[cur]) || blank();
    fn(a);
    answers[cur] = a;
    save();
    render();
  }
  function undo() {
    var h = history.pop();
    if (!h) { status('Nothing to undo.'); return; }
    if (h.before) answers[h.i] = h.before; else delete answers[h.i];
    cur = h.i;
    save();
    render();
    status('Undone.');
  }
  function go(i) {
    if (!N) return;
    cur = Math.max(0, Math.min(N - 1, i));
    save();
    render();
  }
  function next_unanswered() {
    for (var k = 1; k <= N; ++k) {
      var i = (cur + k) % N;
      if (!(answers[i] && answers[i].label)) { go(i); return; }
    }
    status('Every row is answered: download the CSV.');
  }

  // ---- the page (row text only ever through textContent) ----
  function button(parent, key, text, onclick) {
    var b = document.createElement('button');
    b.type = 'button';
    var k = document.createElement('kbd');
    k.textContent = key;
    b.appendChild(k);
    b.appendChild(document.createTextNode(text));
    b.addEventListener('click', onclick);
    parent.appendChild(b);
    return b;
  }
  var label_buttons = S.labels.map(function (l, i) {
    return button($('labels'), S.label_keys[i], l, function () { change(function (a) { a.label = l; }); });
  });
  var realism_buttons = [1, 2, 3, 4, 5].map(function (r) {
    return button($('realism'), '\u21e7' + r, String(r), function () { change(function (a) { a.realism = a.realism === r ? 0 : r; }); });
  });
  function toggle_tag(t) {
    change(function (a) {
      var at = a.issues.indexOf(t);
      if (at >= 0) a.issues.splice(at, 1); else a.issues.push(t);
    });
  }
  var tag_buttons = S.tags.map(function (t, i) {
    return button($('tags'), S.tag_keys[i], t, function () { toggle_tag(t); });
  });
  var controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

  function render() {
    var done = answered();
    $('title').textContent = S.title;
    $('progress').max = Math.max(N, 1);
    $('progress').value = done;
    $('count').textContent = done + ' of ' + N + ' answered';
    if (!N) { $('position').textContent = 'The sample is empty.'; return; }
    var item = S.items[cur];
    var a = answers[cur] || blank();
    $('position').textContent = 'Row ' + (cur + 1) + ' of ' + N + (a.label ? ' (answered)' : '');
    $('text').textContent = item.text;
    $('controls-warning').hidden = !(controls.test(item.text) || controls.test(item.context));
    $('context-box').hidden = !item.context;
    $('context').textContent = item.context;
    label_buttons.forEach(function (b, i) { b.classList.toggle('chosen', a.label === S.labels[i]); });
    realism_buttons.forEach(function (b, i) { b.classList.toggle('chosen', a.realism === i + 1); });
    tag_buttons.forEach(function (b, i) { b.classList.toggle('chosen', a.issues.indexOf(S.tags[i]) >= 0); });
    if (document.activeElement !== $('note')) $('note').value = a.note;
    if (document.activeElement !== $('reviewer')) $('reviewer').value = reviewer;
    var show = !S.blind_full && !!a.label;
    $('reveal').hidden = !show;
    if (show) {
      $('reveal-text').textContent = 'Our label: ' + item.label + ' \u00b7 judge: ' +
        (item.judge_label || '(none)') + ' (' + item.verdict + ')';
    }
  }

  // ---- CSV (no post text: key, answers, reviewer, note, weight) ----
  function cell(s) {
    s = String(s);
    return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv() {
    var lines = ['key,human_label,human_realism,human_issues,reviewer,note,weight'];
    for (var i = 0; i < N; ++i) {
      var a = answers[i];
      if (!a || !a.label) continue;
      var issues = S.tags.filter(function (t) { return a.issues.indexOf(t) >= 0; });
      lines.push([S.items[i].key, a.label, a.realism || '', issues.join(';'), reviewer, a.note,
                  S.items[i].weight].map(cell).join(','));
    }
    return lines.join('\n') + '\n';
  }
  function download() {
    var blob = new Blob([csv()], {type: 'text/csv;charset=utf-8'});
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'review-' + (reviewer.replace(/[^A-Za-z0-9_-]+/g, '_') || 'answers') + '.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 2000);
    status('Downloaded ' + answered() + ' answers as ' + a.download + '.');
  }

  // ---- input ----
  $('undo').addEventListener('click', undo);
  $('jump').addEventListener('click', next_unanswered);
  $('download').addEventListener('click', download);
  $('prev').addEventListener('click', function () { go(cur - 1); });
  $('next').addEventListener('click', function () { go(cur + 1); });
  $('note').addEventListener('change', function () {
    var v = $('note').value;
    if ((answers[cur] || blank()).note !== v) change(function (a) { a.note = v; });
  });
  $('reviewer').addEventListener('input', function () { reviewer = $('reviewer').value; save(); });
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) {
      if (e.key === 'Escape') t.blur();
      return;
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'z' || e.key === 'Z')) { e.preventDefault(); undo(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var digit = /^Digit([1-5])$/.exec(e.code || '');
    if (e.shiftKey && (digit || '!@#$%'.indexOf(e.key) >= 0 && e.key.length === 1)) {
      var r = digit ? Number(digit[1]) : '!@#$%'.indexOf(e.key) + 1;
      e.preventDefault();
      change(function (a) { a.realism = r; });
      return;
    }
    var k = e.key;
    var li = S.label_keys.indexOf(k), ti = S.tag_keys.indexOf(k);
    if (li >= 0) { e.preventDefault(); change(function (a) { a.label = S.labels[li]; }); }
    else if (ti >= 0) { e.preventDefault(); toggle_tag(S.tags[ti]); }
    else if (k === 'u') { e.preventDefault(); undo(); }
    else if (k === 'n') { e.preventDefault(); next_unanswered(); }
    else if (k === 'j' || k === 'ArrowRight' || k === 'Enter') { e.preventDefault(); go(cur + 1); }
    else if (k === 'k' || k === 'ArrowLeft') { e.preventDefault(); go(cur - 1); }
  });

  load();
  render();
})();
