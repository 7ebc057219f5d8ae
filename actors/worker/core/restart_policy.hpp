// The restart policy of one task, applied by its supervisor when the task's
// container exits. Pure: time comes in as milliseconds.
//
// condition: "none" never restarts; "on-failure" restarts after a non-zero
// exit (or a signal); "any" restarts after every exit. A stop that troupe
// asked for never restarts. max_attempts (0 = unlimited) counts restarts
// within `window` (0 = since the task started). The delay doubles on each
// consecutive restart from `delay` up to `max_delay`, and falls back to
// `delay` once a container has run for longer than max(max_delay, 10s); a
// container that never started (started_ms = 0: a start failure) keeps the
// backoff growing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe {

struct restart_decision {
  bool restart = false;
  int64_t delay_ms = 0;
  std::string reason;  // e.g. "exit code 1; restart 3 of 5 in 4s"
                       //      "exit code 0; restart condition is on-failure"
};

class restart_tracker {
public:
  explicit restart_tracker(pb::RestartPolicy policy);

  /// The container started at `started_ms`; records that it exited at
  /// `now_ms` with `exit_code` (128+N for signal N) and decides.
  restart_decision on_exit(int exit_code, bool requested_stop,
                           int64_t started_ms, int64_t now_ms);

  /// Goes on from `restarts` decided by an earlier agent (re-attached).
  void resume(uint32_t restarts) { restarts_ = restarts; }

  /// Restarts decided so far.
  uint32_t restarts() const { return restarts_; }

private:
  pb::RestartPolicy policy_;
  uint32_t restarts_ = 0;
  uint32_t consecutive_ = 0;
  std::vector<int64_t> restart_times_;
};

} // namespace troupe
