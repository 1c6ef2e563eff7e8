#!/usr/bin/python3
"""Drives the review page in headless Chromium, as a reviewer would, and proves it inert.

Usage: review_page.py PAGE.html ANSWERS.json OUT.csv

ANSWERS.json: {"reviewer": "...", "answers": [{"key", "label", "realism", "issues": [...],
"note"}...]} for some of the page's rows. The script opens PAGE.html from file://, types the
reviewer's name, answers each listed row with the keyboard only (the label's key, Shift+digit for
realism, the issue keys, the note typed into its box), exercises undo ('u'), jump to unanswered
('n') and the autosave (a reload keeps the answers), clicks Download CSV and copies the download
to OUT.csv. It fails (exit 1, the reason on stderr) when:
  - any request other than the page itself (and the blob: of the download) shows in the
    performance log (Network.requestWillBeSent);
  - the browser console has any message of level SEVERE or WARNING (a CSP violation is one);
  - an alert opened, window.__pwned is set, the title changed, or the page holds an element
    that the page itself did not make (img, iframe, svg, a, script beyond its two, ...);
  - a row's text on screen differs from the row's text in the page's data (textContent), or
    the row's text box has any child element;
  - the CSV header is not key,human_label,human_realism,human_issues,reviewer,note,weight.
Checking the CSV's rows against the answers is the caller's job (it knows what it expects).
"""
import json
import os
import shutil
import sys
import tempfile
import time
from urllib.parse import quote

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException,
                                        UnexpectedAlertPresentException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HEADER = "key,human_label,human_realism,human_issues,reviewer,note,weight"


def fail(msg):
    sys.stderr.write("review_page.py: FAIL: " + msg + "\n")
    sys.exit(1)


def main():
    page, answers_path, out_csv = sys.argv[1:4]
    page = os.path.abspath(page)
    url = "file://" + quote(page)
    spec = json.load(open(answers_path, encoding="utf-8"))
    downloads = tempfile.mkdtemp(prefix="review-dl-")
    profile = tempfile.mkdtemp(prefix="review-profile-")

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--no-first-run", "--no-default-browser-check", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                           "download.prompt_for_download": False})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    problems = []
    try:
        d.execute_cdp_cmd("Page.setDownloadBehavior",
                          {"behavior": "allow", "downloadPath": downloads})
        d.get(url)
        sample = json.loads(d.execute_script(
            "return document.getElementById('sample').textContent"))
        items = sample["items"]
        position = {item["key"]: i for i, item in enumerate(items)}
        label_key = dict(zip(sample["labels"], sample["label_keys"]))
        tag_key = dict(zip(sample["tags"], sample["tag_keys"]))
        title = d.title

        def keys(*seq):
            chain = ActionChains(d)
            for k in seq:
                chain.send_keys(k)
            chain.perform()

        def realism(r):
            ActionChains(d).key_down(Keys.SHIFT).send_keys(str(r)).key_up(Keys.SHIFT).perform()

        def current():
            return int(d.find_element(By.ID, "position").text.split()[1]) - 1

        def check_shown(i):
            shown = d.execute_script(
                "var t = document.getElementById('text');"
                "return [t.textContent, t.childElementCount];")
            if shown[0] != items[i]["text"]:
                problems.append("row %d: text on screen differs from the data" % i)
            if shown[1] != 0:
                problems.append("row %d: the text box holds %d elements" % (i, shown[1]))

        def go_to(i):
            body = d.find_element(By.TAG_NAME, "body")
            body.click()
            for _ in range(len(items) + 1):
                if current() == i:
                    return
                keys("j" if current() < i else "k")
            fail("could not reach row %d" % i)

        # Reviewer name.
        box = d.find_element(By.ID, "reviewer")
        box.click()
        box.send_keys(spec["reviewer"])
        box.send_keys(Keys.ESCAPE)

        # Walk every row once, checking what is shown.
        d.find_element(By.ID, "title").click()
        for i in range(len(items)):
            if current() != i:
                fail("row %d: position says %d" % (i, current()))
            check_shown(i)
            keys("j")

        answers = spec["answers"]
        half = max(1, len(answers) // 2)
        for n, a in enumerate(answers):
            i = position[a["key"]]
            go_to(i)
            # A wrong label first, undone: the answer must come back to nothing.
            wrong = [l for l in sample["labels"] if l != a["label"]][0]
            keys(label_key[wrong])
            keys("u")
            if "(answered)" in d.find_element(By.ID, "position").text:
                problems.append("undo did not clear row %d" % i)
            keys(label_key[a["label"]])
            if a.get("realism"):
                realism(a["realism"])
            for t in a.get("issues", []):
                keys(tag_key[t])
            if a.get("note"):
                note = d.find_element(By.ID, "note")
                note.click()
                note.send_keys(a["note"])
                note.send_keys(Keys.ESCAPE)
            if n + 1 == half:
                # Autosave: a reload (same browser profile) keeps every answer so far.
                d.refresh()
                count = d.find_element(By.ID, "count").text
                if not count.startswith("%d of" % half):
                    problems.append("after a reload: '%s', expected %d answered" % (count, half))
                d.find_element(By.ID, "title").click()

        # Jump to unanswered: lands on a row with no answer (or says all are answered).
        answered = {position[a["key"]] for a in answers}
        go_to(0)
        keys("n")
        if len(answered) < len(items) and current() in answered:
            problems.append("'n' went to row %d, which is answered" % current())

        d.find_element(By.ID, "download").click()
        deadline = time.time() + 20
        got = None
        while time.time() < deadline and not got:
            files = [f for f in os.listdir(downloads) if f.endswith(".csv")]
            if files:
                got = os.path.join(downloads, files[0])
            time.sleep(0.1)
        if not got:
            fail("no CSV was downloaded")
        time.sleep(0.3)
        shutil.copyfile(got, out_csv)
        with open(out_csv, encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
        if first != HEADER:
            problems.append("CSV header is '%s'" % first)

        # Nothing ran, nothing was added.
        try:
            text = d.switch_to.alert.text
            problems.append("an alert opened: %r" % text)
        except NoAlertPresentException:
            pass
        if d.execute_script("return typeof window.__pwned") != "undefined":
            problems.append("window.__pwned is set: a row's script ran")
        if d.title != title:
            problems.append("the title changed to %r" % d.title)
        extra = d.execute_script(
            "return Array.from(document.querySelectorAll("
            "'img,iframe,frame,svg,math,object,embed,a[href],link,base,form,video,audio,"
            "meta[http-equiv=refresh]')).map(function (e) { return e.outerHTML.slice(0, 80); })"
            ".concat(document.scripts.length === 2 ? [] : ['scripts: ' + document.scripts.length]);")
        if extra:
            problems.append("elements the page did not make: %r" % extra)

        for entry in d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") != "Network.requestWillBeSent":
                continue
            params = msg["params"]
            req = params["request"]["url"]
            doc = params.get("documentURL", "")
            # The browser's own pages (its new-tab page, loaded in another target) are not ours.
            if doc.startswith(("chrome://", "chrome-untrusted://", "devtools://")):
                continue
            if req == url or req.startswith("blob:"):
                continue
            problems.append("request left the page: %s (document %s)" % (req[:200], doc[:100]))
        for entry in d.get_log("browser"):
            if entry["level"] in ("SEVERE", "WARNING"):
                problems.append("console %s: %s" % (entry["level"], entry["message"][:300]))
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)
    if problems:
        fail("; ".join(problems))
    print("review_page.py: ok, %d rows on the page, %d answered" % (len(items), len(spec["answers"])))


if __name__ == "__main__":
    try:
        main()
    except UnexpectedAlertPresentException as e:
        fail("an alert opened (a row's script ran): %s" % e.alert_text)
    except WebDriverException as e:
        fail("the page did not behave (%s): %s" % (type(e).__name__, str(e).splitlines()[0]))
