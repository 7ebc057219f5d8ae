// One round at a time for actors that read a snapshot, decide and propose
// (service, scheduler, dispatcher): a trigger that arrives during a round is
// remembered, and exactly one more round runs when the current one ends. So a
// round never decides on a state that misses its own previous proposal.
#pragma once

namespace troupe {

class round_gate {
public:
  /// True if a round may start now; otherwise remembers to run once more.
  bool try_begin() {
    if (in_flight_) {
      dirty_ = true;
      return false;
    }
    in_flight_ = true;
    return true;
  }

  /// Ends the current round; true if another one is due now.
  bool end() {
    in_flight_ = false;
    bool again = dirty_;
    dirty_ = false;
    return again;
  }

private:
  bool in_flight_ = false;
  bool dirty_ = false;
};

} // namespace troupe
