// batch: the Message Batches path of the runner (DESIGN section 7).
#include "common/errors.h"
#include "common/runner_internal.h"

namespace synthmod::runner::detail {

void run_batches(Job& job, std::vector<Task>& tasks, http::Transport& transport) {
    throw UsageError("--batch is not implemented yet");
}

}  // namespace synthmod::runner::detail
