#include "common/llm/job.h"

#include <algorithm>
#include <cstdio>

#include "common/errors.h"

namespace synthmod::runner {

std::string attempt_error_kind(const http::Response& response, const llm::Result& result) {
    if (!response.transport_error.empty() || response.status == 0) {
        switch (response.failure) {
            case http::Failure::kConnect:
            case http::Failure::kResolve:
            case http::Failure::kTls:
                return response.transport_error;  // built by the transport: host, port, cause
            case http::Failure::kTimeout:
                return "timed out";
            default: {
                const std::string& e = response.transport_error;
                return e.empty() ? "no response" : "transport error: " + e.substr(0, e.find(": "));
            }
        }
    }
    if (response.status < 200 || response.status >= 300)
        return "HTTP " + std::to_string(response.status);
    if (result.status == llm::Status::kTruncated) return "truncated: max_tokens";
    return "invalid response (HTTP " + std::to_string(response.status) + ")";
}

bool hopeless(const http::Response& response) {
    return response.failure == http::Failure::kConnect ||
           response.failure == http::Failure::kResolve || response.failure == http::Failure::kTls;
}

void Job::note_error(Task& task, const std::string& kind, bool retrying) {
    task.last_kind = kind;
    if (summary.errors_by_kind[kind]++ > 0) return;
    progress.warn(task.last_error +
                  (retrying ? " (retrying; later errors of this kind are counted, not shown)"
                            : " (not retried)"));
}

void Job::charge(Task& task, const llm::Usage& usage, bool batch) {
    task.usage.input_tokens += usage.input_tokens;
    task.usage.output_tokens += usage.output_tokens;
    task.usage.cache_creation_input_tokens += usage.cache_creation_input_tokens;
    task.usage.cache_read_input_tokens += usage.cache_read_input_tokens;
    summary.usage.input_tokens += usage.input_tokens;
    summary.usage.output_tokens += usage.output_tokens;
    summary.usage.cache_creation_input_tokens += usage.cache_creation_input_tokens;
    summary.usage.cache_read_input_tokens += usage.cache_read_input_tokens;
    bool any = usage.input_tokens || usage.output_tokens || usage.cache_creation_input_tokens ||
               usage.cache_read_input_tokens;
    if (!any) return;
    double c = meter.cost(usage, batch);
    task.cost += c;
    unrecorded_cost += c;
    summary.cost += c;
    if (!meter.known()) {
        task.cost_known = false;
        summary.cost_known = false;
    }
}

void Job::finish(Task& task, const std::string& status, const std::string& answer,
                 const std::string& error) {
    journal::Record r;
    r.id = task.item->id;
    r.status = status;
    r.answer_json = answer;
    r.usage = task.usage;
    r.cost = task.cost;
    r.cost_known = task.cost_known;
    r.attempts = task.attempts;
    r.repairs = task.repairs;
    r.error = error;
    if (status == "failed") r.reason = task.last_kind.empty() ? error : task.last_kind;
    r.request_id = task.request_id;
    journal.append(r);
    unrecorded_cost = std::max(0.0, unrecorded_cost - task.cost);
    task.done = true;
    if (status == "ok")
        ++summary.ok;
    else if (status == "refused")
        ++summary.refused;
    else
        ++summary.failed;
}

Next Job::settle(Task& task, const llm::Result& result, bool batch) {
    charge(task, result.usage, batch);
    if (!result.request_id.empty()) task.request_id = result.request_id;
    std::string malformed;
    switch (result.status) {
        case llm::Status::kOk: {
            std::string why = validate ? validate(result.answer_json) : std::string();
            if (why.empty()) {
                finish(task, "ok", result.answer_json, "");
                return Next::kDone;
            }
            malformed = "invalid answer: " + why;
            break;
        }
        case llm::Status::kMalformed:
            malformed = result.error.empty() ? "malformed answer" : result.error;
            break;
        case llm::Status::kRefused:
            finish(task, "refused", result.answer_json,
                   result.error.empty() ? "refused" : result.error);
            return Next::kDone;
        case llm::Status::kTruncated:
            task.last_kind = "truncated: max_tokens";
            finish(task, "failed", "", "truncated: max_tokens");
            return Next::kDone;
        case llm::Status::kRetryable:
        case llm::Status::kFailed:
        case llm::Status::kFatal:
            task.last_error = result.error.empty()
                                  ? std::string(llm::to_string(result.status)) + " (HTTP " +
                                        std::to_string(result.http_status) + ")"
                                  : result.error;
            return Next::kRetry;
    }
    task.last_error = malformed;
    task.last_kind = "invalid answer";
    if (task.repairs < options.max_repairs) {
        ++task.repairs;
        ++summary.repairs;
        return Next::kRepair;
    }
    finish(task, "failed", "", malformed + " (after " + std::to_string(task.repairs) + " repairs)");
    return Next::kDone;
}

void run_local(Job& job, std::vector<Task>& tasks) {
    for (Task& task : tasks) {
        if (job.stop_requested()) {
            job.summary.stop = Stop::kInterrupted;
            break;
        }
        while (!task.done) {
            ++task.attempts;
            ++job.summary.requests;
            llm::Result result = job.provider.answer_locally(task.item->prompt, task.item->id);
            Next next = job.settle(task, result, false);
            if (next == Next::kRetry) {
                if (result.status == llm::Status::kFatal) {
                    job.summary.stop = Stop::kFatal;
                    job.summary.fatal_message = task.last_error;
                    return;
                }
                if (result.status == llm::Status::kRetryable &&
                    task.retries < job.options.max_retries) {
                    ++task.retries;
                    ++job.summary.retries;
                    continue;
                }
                job.finish(task, "failed", "", task.last_error);
            }
        }
        job.progress.tick(job.summary, 1, job.spent());
    }
}

}  // namespace synthmod::runner
