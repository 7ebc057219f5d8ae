// restart_tracker: the restart policy of one task (see restart_policy.hpp).
#include "actors/worker/core/restart_policy.hpp"

#include <algorithm>

#include "config/units.hpp"

namespace troupe {

namespace {

constexpr int64_t long_run_floor_ms = 10000;

std::string describe_exit(int exit_code) {
  return "exit code " + std::to_string(exit_code);
}

} // namespace

restart_tracker::restart_tracker(pb::RestartPolicy policy)
  : policy_(std::move(policy)) {
}

restart_decision restart_tracker::on_exit(int exit_code, bool requested_stop,
                                          int64_t started_ms, int64_t now_ms) {
  restart_decision d;
  std::string what = describe_exit(exit_code);
  if (requested_stop) {
    d.reason = what + "; troupe asked it to stop";
    return d;
  }
  const std::string& cond = policy_.condition();
  if (cond == "none" || (cond == "on-failure" && exit_code == 0)) {
    d.reason = what + "; restart condition is " + cond;
    return d;
  }
  int64_t delay = std::max<int64_t>(0, policy_.delay_ms());
  int64_t cap = std::max(delay, policy_.max_delay_ms());
  // A container that never started (started_ms 0) did not run long: the
  // backoff goes on growing for start failures too.
  if (started_ms > 0
      && now_ms - started_ms > std::max<int64_t>(cap, long_run_floor_ms))
    consecutive_ = 0;
  if (policy_.window_ms() > 0) {
    int64_t since = now_ms - policy_.window_ms();
    restart_times_.erase(
      std::remove_if(restart_times_.begin(), restart_times_.end(),
                     [&](int64_t t) { return t <= since; }),
      restart_times_.end());
  }
  uint32_t max = policy_.max_attempts();
  std::string window = policy_.window_ms() > 0
                         ? " in " + format_duration_ms(policy_.window_ms())
                         : "";
  if (max > 0 && restart_times_.size() >= max) {
    d.reason = what + "; gave up after " + std::to_string(max)
               + (max == 1 ? " restart" : " restarts") + window;
    return d;
  }
  for (uint32_t i = 0; i < consecutive_ && delay < cap; ++i)
    delay = std::min(cap, delay * 2);
  ++consecutive_;
  ++restarts_;
  restart_times_.push_back(now_ms);
  d.restart = true;
  d.delay_ms = delay;
  std::string attempt = max > 0 ? std::to_string(restart_times_.size())
                                    + " of " + std::to_string(max) + window
                                : std::to_string(restarts_);
  d.reason = what + "; restart " + attempt
             + (delay > 0 ? " after " + format_duration_ms(delay)
                          : " at once");
  return d;
}

} // namespace troupe
