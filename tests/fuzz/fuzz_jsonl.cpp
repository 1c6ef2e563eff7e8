// fuzz_jsonl: jsonl::for_each over a file of arbitrary bytes must call back or throw InputError
// (never crash), with and without torn-tail tolerance; every document it accepts must serialise
// with to_line and parse back to the same line.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "common/errors.h"
#include "common/jsonl.h"

namespace jsonl = synthmod::jsonl;

namespace {

const std::string& scratch_path() {
    // tmpfs when there is one: a file per input on a real disk costs milliseconds.
    static const std::string dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    static const std::string path = dir + "/fuzz_jsonl." + std::to_string(::getpid()) + ".jsonl";
    static const bool cleanup = [] {
        return std::atexit([] { std::remove(path.c_str()); }) == 0;
    }();
    (void)cleanup;
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    auto check = [](const rapidjson::Document& doc, std::size_t) {
        const std::string line = jsonl::to_line(doc);
        const auto again = jsonl::parse(line, "again");
        if (jsonl::to_line(again) != line) std::abort();
    };
    for (bool tolerate : {false, true}) {
        try {
            jsonl::for_each(scratch_path(), check, tolerate);
        } catch (const synthmod::InputError&) {
        }
    }
    try {
        jsonl::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    } catch (const synthmod::InputError&) {
    }
    return 0;
}
