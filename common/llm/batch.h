// batch: the Message Batches path of the runner (--batch; DESIGN section 7).
#pragma once

#include <vector>

#include "common/llm/http.h"
#include "common/llm/job.h"

namespace synthmod::runner {

/// Sends the tasks as message batches (chunked, each id journalled at creation), polls them to
/// the end, journals the results at batch price and resubmits what did not succeed. Re-attaches
/// to the batches an earlier run left open. Sets the summary's stop on an interrupt, a budget
/// stop or a provider failure.
void run_batches(Job& job, std::vector<Task>& tasks, http::Transport& transport);

}  // namespace synthmod::runner
