// Tests of common/llm/retry_policy's parsing of the numbers servers send (retry-after, rate-limit
// counts).
#include "common/llm/retry_policy.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

TEST_CASE("parse_number: strtod's value, its refusals, the plain-digits path alike", "[runner]") {
    using synthmod::runner::parse_number;
    for (const std::string text : {"0",
                                   "7",
                                   "3999",
                                   "0042",
                                   "123456789012345",
                                   "1234567890123456",
                                   "99999999999999999999",
                                   "1.5",
                                   "-3",
                                   "+3",
                                   " 3",
                                   "3 ",
                                   "3\t",
                                   "0x10",
                                   "1e3",
                                   "inf",
                                   "nan",
                                   "3s",
                                   "",
                                   " ",
                                   "-",
                                   "1e999",
                                   "12a"}) {
        INFO(text);
        const char* begin = text.c_str();
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(begin, &end);
        const bool converted = end != begin && errno != ERANGE;
        while (*end == ' ' || *end == '\t') ++end;
        const bool ok = !text.empty() && converted && *end == '\0';
        const auto got = parse_number(text);
        REQUIRE(got.has_value() == ok);
        if (ok && !std::isnan(v)) CHECK(*got == v);
    }
}
