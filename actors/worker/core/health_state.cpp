// health_state: see health_state.hpp.
#include "actors/worker/core/health_state.hpp"

#include <algorithm>

namespace troupe {

health_state::health_state(const pb::HealthCheck& check, int64_t started_ms)
  : started_(started_ms),
    interval_(std::max<int64_t>(check.interval_ms(), 1)),
    start_period_(std::max<int64_t>(check.start_period_ms(), 0)),
    retries_(std::max<uint32_t>(check.retries(), 1)),
    next_check_(started_ms) {
}

const std::string& health_state::on_result(bool ok, int64_t now_ms) {
  if (state_ == "unhealthy")
    return state_;
  if (ok) {
    failures_ = 0;
    was_healthy_ = true;
    state_ = "healthy";
    return state_;
  }
  if (!was_healthy_ && now_ms - started_ < start_period_)
    return state_;
  if (++failures_ >= retries_)
    state_ = "unhealthy";
  return state_;
}

} // namespace troupe
