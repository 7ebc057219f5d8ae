// Which workers are alive: each heartbeat renews a node; a node not heard
// from for `missed` heartbeat intervals has expired (it is down). Pure: time
// comes in as milliseconds, from the manager's clock (a monotonic one).
//
// Silence is counted only while the checker runs on time: `expired` is
// called every interval, and when a call comes more than one interval late
// (the dispatcher was busy or starved, its timer waited behind a backlog),
// the time beyond one interval is not held against any node: the workers'
// heartbeats were waiting in the same mailbox.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe {

class node_liveness {
public:
  node_liveness(int64_t interval_ms, uint32_t missed)
    : interval_ms_(interval_ms),
      limit_ms_(interval_ms * static_cast<int64_t>(missed)) {}

  /// The node was heard from at `now_ms`.
  void heard(const std::string& node, int64_t now_ms) { last_[node] = now_ms; }

  /// Stops watching the node (it left, was marked down, or runs in the
  /// manager's own process and cannot miss a heartbeat).
  void forget(const std::string& node) { last_.erase(node); }

  /// Nodes silent for longer than the limit; they are forgotten.
  std::vector<std::string> expired(int64_t now_ms) {
    if (checked_ms_ >= 0 && now_ms - checked_ms_ > 2 * interval_ms_) {
      int64_t not_running = now_ms - checked_ms_ - interval_ms_;
      for (auto& [node, at] : last_)
        at += not_running;
    }
    checked_ms_ = now_ms;
    std::vector<std::string> out;
    for (auto i = last_.begin(); i != last_.end();) {
      if (now_ms - i->second > limit_ms_) {
        out.push_back(i->first);
        i = last_.erase(i);
      } else {
        ++i;
      }
    }
    return out;
  }

private:
  int64_t interval_ms_;
  int64_t limit_ms_;
  int64_t checked_ms_ = -1;  // the last call of expired()
  std::map<std::string, int64_t> last_;
};

} // namespace troupe
