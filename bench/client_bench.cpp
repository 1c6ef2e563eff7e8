// client_bench: N requests at concurrency C through the real transport + anthropic provider
// (the same start/poll/parse loop the runner uses), reporting throughput, CPU and peak RSS.
// Usage: client_bench --base-url URL [--requests N] [--concurrency C] [--label NAME]
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/llm/http.h"
#include "common/llm/anthropic.h"

namespace {

double cpu_seconds(const rusage& u) {
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec +
           u.ru_stime.tv_usec / 1e6;
}

synthmod::llm::Prompt prompt_for(int i) {
    synthmod::llm::Prompt p;
    p.task = "generate";
    p.system =
        "You write realistic user-generated posts for training content-moderation classifiers. "
        "Policy labels: Spam & Scams (unsolicited ads, phishing, fake prizes); Self-harm & Suicide "
        "(content that expresses, encourages or instructs self-harm); Privacy & Personal Data "
        "Exposure (doxxing, sharing someone's address, phone number or documents); Safe (ordinary "
        "content that breaks no rule). Write in the voice of the persona, in the given context. "
        "Never add disclaimers, never state the label, never use placeholders.";
    p.user =
        "Write a Reddit comment by a retired nurse who volunteers at an animal shelter "
        "(persona #" +
        std::to_string(i) +
        ") that a moderator would label \"Spam & Scams\": unsolicited ads, phishing, fake "
        "prizes. Keep it under 80 words and make it sound like a real person.";
    p.tool_name = "record_post";
    p.schema_json =
        R"({"type":"object","properties":{"content":{"type":"string"},"label":{"type":"string","enum":["Spam & Scams","Self-harm & Suicide","Privacy & Personal Data Exposure","Safe"]}},"required":["content","label"],"additionalProperties":false})";
    p.max_tokens = 400;
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    std::string base_url, label = "synthmod";
    int total = 2000, concurrency = 100;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--base-url")
            base_url = argv[i + 1];
        else if (flag == "--requests")
            total = std::atoi(argv[i + 1]);
        else if (flag == "--concurrency")
            concurrency = std::atoi(argv[i + 1]);
        else if (flag == "--label")
            label = argv[i + 1];
    }
    if (base_url.empty()) {
        std::fprintf(stderr,
                     "usage: client_bench --base-url URL [--requests N] [--concurrency C]\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    {
        synthmod::llm::AnthropicProvider provider("claude-haiku-4-5", "bench-key", base_url);
        auto transport = synthmod::http::make_curl_transport({});
        auto t0 = std::chrono::steady_clock::now();
        int started = 0, finished = 0, ok = 0;
        long long output_tokens = 0;
        std::vector<double> seconds;
        while (finished < total) {
            while (started < total &&
                   transport->in_flight() < static_cast<std::size_t>(concurrency)) {
                transport->start_moved(static_cast<std::uint64_t>(started),
                                       provider.build_request(prompt_for(started)));
                ++started;
            }
            for (auto& [tag, response] : transport->poll(1000)) {
                auto result = provider.parse_response(response);
                seconds.push_back(response.seconds);
                ++finished;
                if (result.status == synthmod::llm::Status::kOk) ++ok;
                output_tokens += result.usage.output_tokens;
            }
        }
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::sort(seconds.begin(), seconds.end());
        double mean = 0;
        for (double x : seconds) mean += x / seconds.size();
        std::fprintf(stderr, "request seconds: mean %.4f p50 %.4f p99 %.4f max %.4f\n", mean,
                     seconds[seconds.size() / 2], seconds[seconds.size() * 99 / 100],
                     seconds.back());
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        std::printf(
            "{\"tool\":\"%s\",\"requests\":%d,\"ok\":%d,\"concurrency\":%d,\"wall_s\":%.3f,"
            "\"req_per_s\":%.1f,\"cpu_s\":%.3f,\"cpu_us_per_req\":%.1f,\"max_rss_kb\":%ld,"
            "\"output_tokens\":%lld}\n",
            label.c_str(), total, ok, concurrency, wall, total / wall, cpu_seconds(u),
            cpu_seconds(u) / total * 1e6, u.ru_maxrss, output_tokens);
    }
    curl_global_cleanup();
    return 0;
}
