#include "common/llm/job.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>

#include "common/errors.h"
#include "common/llm/multi_item.h"

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
    journal.append(std::move(r));
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
            std::string why = validate ? validate(*task.item, result.answer_json) : std::string();
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

Next Job::settle_request(const std::vector<Task*>& tasks, const llm::Result& result, bool batch,
                         std::vector<Task*>* reask) {
    const std::size_t n = tasks.size();
    if (n == 1) {  // one item (also a multi-item one asked again alone): the plain prompt
        Next next = settle(*tasks[0], result, batch);
        if (next == Next::kRepair) reask->push_back(tasks[0]);
        return next == Next::kRetry ? Next::kRetry : Next::kDone;
    }
    auto share = [&](std::size_t i) {
        llm::Result r;
        r.usage = llm::usage_share(result.usage, n, i);
        r.request_id = result.request_id;
        r.http_status = result.http_status;
        r.stop_reason = result.stop_reason;
        return r;
    };
    switch (result.status) {
        case llm::Status::kRetryable:
        case llm::Status::kFailed:
        case llm::Status::kFatal:
            for (std::size_t i = 0; i < n; ++i) {
                llm::Result r = share(i);
                r.status = result.status;
                r.error = result.error;
                settle(*tasks[i], r, batch);  // charges the share, keeps the error: kRetry
            }
            return Next::kRetry;
        case llm::Status::kRefused:
        case llm::Status::kTruncated:
            // Which item caused it is unknown: each is asked again alone and settles then.
            for (std::size_t i = 0; i < n; ++i) {
                charge(*tasks[i], share(i).usage, batch);
                if (!result.request_id.empty()) tasks[i]->request_id = result.request_id;
                tasks[i]->last_error = std::string("request of ") + std::to_string(n) + " items " +
                                       llm::to_string(result.status);
                tasks[i]->alone = true;
                reask->push_back(tasks[i]);
            }
            return Next::kDone;
        case llm::Status::kOk:
        case llm::Status::kMalformed:
            break;
    }
    std::string why = result.status == llm::Status::kMalformed ? result.error : "";
    std::vector<std::string> parts = result.status == llm::Status::kOk
                                         ? llm::split_answer(result.answer_json, n, &why)
                                         : std::vector<std::string>(n);
    for (std::size_t i = 0; i < n; ++i) {
        llm::Result r = share(i);
        if (parts[i].empty()) {
            r.status = llm::Status::kMalformed;
            r.error = why.empty() ? "malformed answer" : why;
        } else {
            r.status = llm::Status::kOk;
            r.answer_json = std::move(parts[i]);
        }
        if (settle(*tasks[i], r, batch) == Next::kRepair) reask->push_back(tasks[i]);
    }
    return Next::kDone;
}

const llm::Prompt& Job::request_prompt(const std::vector<Task*>& tasks,
                                       llm::Prompt& storage) const {
    if (tasks.size() == 1) return tasks[0]->item->prompt;
    std::vector<const llm::Prompt*> prompts;
    std::vector<std::string> ids;
    for (const Task* t : tasks) {
        prompts.push_back(&t->item->prompt);
        ids.push_back(t->item->id);
    }
    storage = llm::combine_prompts(prompts, ids);
    return storage;
}

std::vector<std::vector<std::size_t>> form_requests(const std::vector<Task>& tasks) {
    std::vector<std::size_t> all(tasks.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return form_requests(tasks, all);
}

std::vector<std::vector<std::size_t>> form_requests(const std::vector<Task>& tasks,
                                                    const std::vector<std::size_t>& which) {
    std::vector<std::vector<std::size_t>> requests;
    std::map<std::string, std::size_t> open;  // group -> its request still filling
    for (std::size_t i : which) {
        const Item& item = *tasks[i].item;
        if (item.rows_per_request <= 1 || tasks[i].alone) {
            requests.push_back({i});
            continue;
        }
        auto it = open.find(item.group);
        if (it == open.end()) {
            it = open.emplace(item.group, requests.size()).first;
            requests.emplace_back();
        }
        requests[it->second].push_back(i);
        if (static_cast<int>(requests[it->second].size()) >= item.rows_per_request) open.erase(it);
    }
    return requests;
}

std::vector<std::vector<Task*>> follow_ups(const std::vector<Task*>& reask) {
    std::vector<std::vector<Task*>> out;
    std::vector<Task*> together;
    for (Task* t : reask) {
        if (t->alone)
            out.push_back({t});
        else
            together.push_back(t);
    }
    if (!together.empty()) out.push_back(std::move(together));
    return out;
}

std::vector<Task*> request_tasks(const Job& job, std::vector<Task>& tasks,
                                 const std::vector<std::size_t>& request) {
    std::vector<std::string> ids;
    for (std::size_t t : request) ids.push_back(tasks[t].item->id);
    std::vector<Task*> out;
    for (std::size_t k : llm::request_order(ids, job.options.shuffle_seed))
        out.push_back(&tasks[request[k]]);
    return out;
}

void for_each_request(const std::vector<Item>& items,
                      const std::function<void(const llm::Prompt&)>& f) {
    std::vector<Task> tasks(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) tasks[i].item = &items[i];
    for (const auto& request : form_requests(tasks)) {
        if (request.size() == 1) {
            f(tasks[request[0]].item->prompt);
            continue;
        }
        std::vector<const llm::Prompt*> prompts;
        std::vector<std::string> ids;
        for (std::size_t t : request) {
            prompts.push_back(&tasks[t].item->prompt);
            ids.push_back(tasks[t].item->id);
        }
        f(llm::combine_prompts(prompts, ids));
    }
}

void run_local(Job& job, std::vector<Task>& tasks) {
    std::deque<std::vector<Task*>> pending;
    for (const auto& request : form_requests(tasks))
        pending.push_back(request_tasks(job, tasks, request));
    while (!pending.empty()) {
        if (job.stop_requested()) {
            job.summary.stop = Stop::kInterrupted;
            break;
        }
        std::vector<Task*> request = std::move(pending.front());
        pending.pop_front();
        for (;;) {
            for (Task* t : request) ++t->attempts;
            ++job.summary.requests;
            llm::Prompt storage;
            const llm::Prompt& prompt = job.request_prompt(request, storage);
            llm::Result result = job.provider.answer_locally(prompt, request.front()->item->id);
            std::vector<Task*> reask;
            Next next = job.settle_request(request, result, false, &reask);
            for (auto& follow_up : follow_ups(reask)) pending.push_front(std::move(follow_up));
            if (next != Next::kRetry) break;
            Task& task = *request.front();
            if (result.status == llm::Status::kFatal) {
                job.summary.stop = Stop::kFatal;
                job.summary.fatal_message = task.last_error;
                return;
            }
            if (result.status == llm::Status::kRetryable &&
                task.retries < job.options.max_retries) {
                for (Task* t : request) ++t->retries;
                ++job.summary.retries;
                continue;
            }
            for (Task* t : request) job.finish(*t, "failed", "", t->last_error);
            break;
        }
        job.progress.tick(job.summary, 1, job.spent());
    }
}

}  // namespace synthmod::runner
