// The health state machine of one container: check results in, the task's
// health out ("starting" | "healthy" | "unhealthy"). Pure: times are passed in.
// - A new container is "starting".
// - A passing check makes it "healthy" and clears the failure count.
// - A failing check during start_period (since the container started) does
//   not count while the container has never been healthy.
// - Otherwise failures count; `retries` consecutive failures (at least 1)
//   make it "unhealthy". A task stays unhealthy (it is then replaced).
// - Checks run every `interval`, the first one right away.
#pragma once

#include <cstdint>
#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

class health_state {
public:
  health_state(const pb::HealthCheck& check, int64_t started_ms);

  /// Takes one result (ok or not) finished at now_ms; returns the state.
  const std::string& on_result(bool ok, int64_t now_ms);

  /// When the next check is due (the first one: at start).
  int64_t next_check_at() const { return next_check_; }

  /// A check was started at now_ms: the next one is due an interval later.
  void on_started(int64_t now_ms) { next_check_ = now_ms + interval_; }

  const std::string& state() const { return state_; }
  uint32_t failures() const { return failures_; }

private:
  int64_t started_;
  int64_t interval_;
  int64_t start_period_;
  uint32_t retries_;
  int64_t next_check_;
  uint32_t failures_ = 0;
  bool was_healthy_ = false;
  std::string state_ = "starting";
};

} // namespace troupe
