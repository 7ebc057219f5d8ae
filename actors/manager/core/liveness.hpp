// Which workers are alive: each heartbeat renews a node; a node not heard
// from for `missed` heartbeat intervals has expired (it is down). Pure: time
// comes in as milliseconds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe {

class node_liveness {
public:
  node_liveness(int64_t interval_ms, uint32_t missed)
    : limit_ms_(interval_ms * static_cast<int64_t>(missed)) {}

  /// The node was heard from at `now_ms`.
  void heard(const std::string& node, int64_t now_ms) { last_[node] = now_ms; }

  /// Stops watching the node (it left or was already marked down).
  void forget(const std::string& node) { last_.erase(node); }

  /// Nodes silent for longer than the limit; they are forgotten.
  std::vector<std::string> expired(int64_t now_ms) {
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
  int64_t limit_ms_;
  std::map<std::string, int64_t> last_;
};

} // namespace troupe
