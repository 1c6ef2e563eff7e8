// io_bench: throughput of the CSV writer and reader, read_table and text::normalize on a corpus
// built from slices of the real moderation set (so the mix of ASCII and Unicode is real).
//
// usage: io_bench [--rows N] [--chars C] [--source moderation_openai.csv] [--keep FILE]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/text.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Cuts `s` at a code point boundary at or before `n` bytes.
std::string utf8_prefix(const std::string& s, std::size_t from, std::size_t n) {
    while (from < s.size() && (static_cast<unsigned char>(s[from]) & 0xc0) == 0x80) ++from;
    std::size_t end = std::min(s.size(), from + n);
    while (end < s.size() && end > from && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80)
        --end;
    return s.substr(from, end - from);
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t rows = 1000000;
    std::size_t chars = 140;
    std::string source = std::string(SYNTHMOD_DATA_DIR) + "/moderation_openai.csv";
    std::string keep;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--rows") rows = std::strtoull(argv[i + 1], nullptr, 10);
        if (flag == "--chars") chars = std::strtoull(argv[i + 1], nullptr, 10);
        if (flag == "--source") source = argv[i + 1];
        if (flag == "--keep") keep = argv[i + 1];
    }
    const auto seed = synthmod::csv::read_table(source, {"content", "label"});
    const int content = seed.column("content");
    const int label = seed.column("label");

    std::mt19937_64 rng(42);
    std::vector<std::vector<std::string>> table;
    table.reserve(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        const auto& row = seed.rows[rng() % seed.rows.size()];
        const std::string& text = row[static_cast<std::size_t>(content)];
        const std::size_t from = text.size() > chars ? rng() % (text.size() - chars) : 0;
        table.push_back({utf8_prefix(text, from, chars) + " " + std::to_string(i),
                         row[static_cast<std::size_t>(label)]});
    }

    const std::string path =
        keep.empty() ? "/tmp/io_bench." + std::to_string(::getpid()) + ".csv" : keep;
    auto t0 = Clock::now();
    {
        std::ofstream out(path, std::ios::binary);
        synthmod::csv::Writer writer(out);
        writer.write_row(std::vector<std::string>{"content", "label"});
        for (const auto& row : table) writer.write_row(row);
    }
    const double write_s = seconds_since(t0);
    std::ifstream sizer(path, std::ios::binary | std::ios::ate);
    const double mb = static_cast<double>(sizer.tellg()) / 1e6;

    t0 = Clock::now();
    std::size_t records = 0;
    {
        auto reader = synthmod::csv::Reader::open(path);
        std::vector<std::string> fields;
        while (reader->next(fields)) ++records;
    }
    const double read_s = seconds_since(t0);

    t0 = Clock::now();
    const auto loaded = synthmod::csv::read_table(path, {"content", "label"});
    const double table_s = seconds_since(t0);

    t0 = Clock::now();
    std::size_t normalized_bytes = 0;
    std::size_t input_bytes = 0;
    for (const auto& row : loaded.rows) {
        input_bytes += row[0].size();
        normalized_bytes += synthmod::text::normalize(row[0]).size();
    }
    const double norm_s = seconds_since(t0);
    if (keep.empty()) std::remove(path.c_str());

    std::printf("file: %zu rows, %.1f MB\n", records - 1, mb);
    std::printf("csv write       %7.3f s  %7.1f MB/s\n", write_s, mb / write_s);
    std::printf("csv Reader      %7.3f s  %7.1f MB/s\n", read_s, mb / read_s);
    std::printf("csv read_table  %7.3f s  %7.1f MB/s  (UTF-8 check, all rows kept in memory)\n",
                table_s, mb / table_s);
    std::printf("text normalize  %7.3f s  %7.1f MB/s  %.0f rows/s (%zu -> %zu bytes)\n", norm_s,
                static_cast<double>(input_bytes) / 1e6 / norm_s,
                static_cast<double>(loaded.rows.size()) / norm_s, input_bytes, normalized_bytes);
    return 0;
}
