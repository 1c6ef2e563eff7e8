// Issue 17: the judge and stats read a labelled dataset as it is distributed — JSON Lines (gzip),
// a header-less TSV, a CSV with an unnamed index column and integer classes — with
// --text-column, --label-column, --label-map, --columns, and give the same figures as the same
// data converted by hand to content,label. Malformed variants are refused with file:line, exit 2,
// nothing written.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <map>

#include <zlib.h>

#include "common/csv.h"
#include "support/json_file.h"
#include "support/process.h"

using synthmod::test::json_file;
using synthmod::test::spit_gzip;
using synthmod::test::exists;
using synthmod::test::run;
using synthmod::test::slurp;
using synthmod::test::spit;
using synthmod::test::temp_dir;

namespace {

const std::string kReal = SYNTHMOD_DATA_DIR "/";
std::string stats_bin() { return synthmod::test::tool("synthmod-stats"); }
std::string judge_bin() { return synthmod::test::tool("synthmod-judge"); }

/// metrics.json of a stats run over `args`, with `inputs` (the file names) removed.
std::string metrics_of(const std::string& dir, std::vector<std::string> args) {
    std::vector<std::string> argv = {stats_bin(), "--report-dir", dir, "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string json = slurp(dir + "/metrics.json");
    const auto from = json.find("\"inputs\"");
    const auto to = json.find(']', from);
    return json.erase(from, to - from + 1);
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i)
        out += (i ? "," : "") + synthmod::csv::quote(fields[i]);
    return out + "\n";
}

}  // namespace

TEST_CASE("stats reads OpenAI's moderation release (JSONL.gz) as the hand-converted CSV",
          "[input]") {
    const std::string dir = temp_dir("input-jsonl");
    // The release has no label column: take its self-harm flag, 0/1, mapped to names. The
    // hand conversion below does the same from the same file read by the test itself.
    spit(dir + "/map.toml", "0 = \"other\"\n1 = \"self-harm\"\n");
    const auto released = synthmod::csv::read_table(kReal + "moderation_openai.csv");
    // moderation_openai.csv holds the same 1,680 texts in the same order (tests/data/real);
    // its label is the first flagged category: self-harm rows are those labelled self-harm,
    // plus none else (SH precedes every other category but S3, H2, V2 in that order).
    std::string hand = "content,label\n";
    const std::string jsonl = [&] {
        gzFile f = gzopen((kReal + "moderation-api-release/samples-1680.jsonl.gz").c_str(), "rb");
        REQUIRE(f != nullptr);
        std::string out;
        char buf[65536];
        int n;
        while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
        gzclose(f);
        return out;
    }();
    std::size_t start = 0, rows = 0, flagged = 0;
    while (start < jsonl.size()) {
        const std::size_t end = jsonl.find('\n', start);
        rapidjson::Document d;
        d.Parse(jsonl.c_str() + start, (end == std::string::npos ? jsonl.size() : end) - start);
        REQUIRE(d.IsObject());
        const bool sh = d.HasMember("SH") && d["SH"].GetInt() == 1;
        // A line without the SH key is not flagged: --allow-unknown-labels keeps its empty value.
        const std::string label = d.HasMember("SH") ? (sh ? "self-harm" : "other") : "";
        flagged += sh;
        hand += csv_line({d["prompt"].GetString(), label});
        ++rows;
        start = end == std::string::npos ? jsonl.size() : end + 1;
    }
    REQUIRE(rows == released.rows.size());
    CHECK(flagged > 0);
    spit(dir + "/hand.csv", hand);
    const std::string got = metrics_of(
        dir + "/a", {"--in", kReal + "moderation-api-release/samples-1680.jsonl.gz",
                     "--text-column", "prompt", "--label-column", "SH", "--label-map",
                     dir + "/map.toml", "--allow-unknown-labels"});
    const std::string want = metrics_of(dir + "/b", {"--in", dir + "/hand.csv"});
    CHECK(got == want);
    // The duplicate figures are the truth file's (the same texts).
    auto m = json_file(dir + "/a/metrics.json");
    auto truth = json_file(kReal + "moderation_openai.truth.json");
    for (const char* key : {"rows", "exact_dup_rows", "near_dup_pairs", "near_dup_clusters"})
        CHECK(m[key].GetUint64() == truth[key].GetUint64());
    // Without --allow-unknown-labels the lines that lack SH are refused, counted, first named.
    auto refused = run({stats_bin(), "--in", kReal + "moderation-api-release/samples-1680.jsonl.gz",
                        "--text-column", "prompt", "--label-column", "SH", "--label-map",
                        dir + "/map.toml", "--report-dir", dir + "/c"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("samples-1680.jsonl.gz:28: label value \"\" is not in the label map") !=
          std::string::npos);
    CHECK_FALSE(exists(dir + "/c"));
}

TEST_CASE("header-less TSV and a CSV with an unnamed index and integer classes give the "
          "hand-converted figures",
          "[input]") {
    const std::string dir = temp_dir("input-tsv");
    const auto real = synthmod::csv::read_table(kReal + "moderation_openai.csv");
    const int content = real.column("content"), label = real.column("label");
    std::map<std::string, int> classes;  // label -> integer class, in order of appearance
    std::string tsv, indexed = ",count,class,tweet\n", hand = "content,label\n";
    std::string map_toml;
    std::size_t n = 0;
    for (const auto& row : real.rows) {
        const std::string& text = row[content];
        if (text.find_first_of("\t\r\n") != std::string::npos) continue;  // TSV cannot hold them
        auto [it, fresh] = classes.try_emplace(row[label], static_cast<int>(classes.size()));
        if (fresh) map_toml += std::to_string(it->second) + " = \"" + row[label] + "\"\n";
        tsv += row[label] + "\t" + text + "\n";
        indexed += csv_line({std::to_string(n), "3", std::to_string(it->second), text});
        hand += csv_line({text, row[label]});
        ++n;
    }
    REQUIRE(n > 500);
    spit(dir + "/SMSSpamCollection", tsv);
    spit_gzip(dir + "/labeled_data.csv.gz", indexed);
    spit(dir + "/hand.csv", hand);
    spit(dir + "/classes.toml", map_toml);
    const std::string want = metrics_of(dir + "/hand", {"--in", dir + "/hand.csv"});
    CHECK(metrics_of(dir + "/tsv", {"--in", dir + "/SMSSpamCollection", "--in-format", "tsv",
                                    "--columns", "label,content"}) == want);
    CHECK(metrics_of(dir + "/idx", {"--in", dir + "/labeled_data.csv.gz", "--text-column",
                                    "tweet", "--label-column", "class", "--label-map",
                                    dir + "/classes.toml"}) == want);
    spit(dir + "/bad_width.tsv", "ham\tfine\nspam\ttoo\tmany\n");
    auto r = run({stats_bin(), "--in", dir + "/bad_width.tsv", "--columns", "label,content",
                  "--report-dir", dir + "/bad"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad_width.tsv:2: expected 2 fields (the columns given), found 3") !=
          std::string::npos);
    CHECK_FALSE(exists(dir + "/bad"));
    spit(dir + "/bad.jsonl", "{\"text\": \"a\", \"label\": 1}\n\"just a string\"\n");
    r = run({stats_bin(), "--in", dir + "/bad.jsonl", "--text-column", "text", "--report-dir",
             dir + "/bad2"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad.jsonl:2: expected a JSON object on each line") != std::string::npos);
    const std::string gz = slurp(dir + "/labeled_data.csv.gz");
    spit(dir + "/cut.csv.gz", gz.substr(0, gz.size() / 2));
    r = run({stats_bin(), "--in", dir + "/cut.csv.gz", "--text-column", "tweet", "--label-column",
             "class", "--report-dir", dir + "/bad3"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cut.csv.gz: gzip: ") != std::string::npos);
    CHECK_FALSE(exists(dir + "/bad3"));
}

TEST_CASE("judge reads a header-less TSV with a label map and keeps the input's column names",
          "[input]") {
    const std::string dir = temp_dir("input-judge");
    spit(dir + "/sms.tsv",
         "ham\tsee you at the match tonight, bring the blue scarf\n"
         "spam\tWINNER!! claim your free cruise now, reply with your card number\n");
    spit(dir + "/map.toml", "ham = \"Safe\"\nspam = \"Spam & Scams\"\n");
    spit(dir + "/spec.toml", "[input]\ncolumns = [\"kind\", \"sms\"]\ntext_column = \"sms\"\n"
                             "label_column = \"kind\"\n" +
                                 slurp(SYNTHMOD_SOURCE_DIR "/examples/moderation.toml"));
    auto r = run({judge_bin(), "--spec", dir + "/spec.toml", "--in", dir + "/sms.tsv",
                  "--in-format", "tsv", "--label-map", dir + "/map.toml", "--provider",
                  "offline", "--out", dir + "/judged.csv", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto t = synthmod::csv::read_table(dir + "/judged.csv");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.header[0] == "kind");
    CHECK(t.header[1] == "sms");
    CHECK(t.rows[0][0] == "Safe");
    CHECK(t.rows[1][0] == "Spam & Scams");
    CHECK(t.rows[1][1] == "WINNER!! claim your free cruise now, reply with your card number");
    // A missing column names the columns found and the flag.
    auto missing = run({judge_bin(), "--spec", SYNTHMOD_SOURCE_DIR "/examples/moderation.toml",
                        "--in", dir + "/sms.tsv", "--in-format", "tsv", "--columns", "a,b",
                        "--provider", "offline", "--out", dir + "/x.csv"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("missing column \"content\" (columns found: a, b; --text-column picks "
                           "one)") != std::string::npos);
    CHECK_FALSE(exists(dir + "/x.csv"));
}
