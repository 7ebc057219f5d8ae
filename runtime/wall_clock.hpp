// The wall clock as the cluster records times: unix milliseconds (task
// start and end times, restart_at, cut-offs). Monotonic intervals use
// steady_clock or CAF's actor clock instead.
#pragma once

#include <chrono>
#include <cstdint>

namespace troupe {

inline int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace troupe
