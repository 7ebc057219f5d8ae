// The worker's side of the assignment protocol: the set of tasks its
// dispatcher last assigned it, moved forward by each pb::Assignments. A
// full list replaces the set; a delta applies only on top of the list it
// was computed against (base_index == the set's index): it adds or changes
// the tasks it carries and drops the ids it removes. A delta that does not
// fit (another base, or no full list yet: the agent restarted, a message
// was lost, a new leader) changes nothing and asks for the full list again.
// Pure: no CAF, no I/O.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe {

/// What the agent does with one pb::Assignments.
struct assignment_step {
  bool resync = false;            // the delta did not fit: ask for the full list
  std::vector<pb::Task> run;      // hand to the supervisor (new, or desired state changed)
  std::vector<std::string> stop;  // no longer assigned here
};

class assignment_set {
public:
  assignment_step apply(const pb::Assignments& a);

  /// The index of the last list applied (0 = none yet).
  uint64_t index() const { return index_; }
  bool has_base() const { return has_base_; }
  /// Forgets the list: the next delta asks for a full one.
  void reset() { has_base_ = false; }
  const std::set<std::string>& ids() const { return ids_; }

private:
  uint64_t index_ = 0;
  bool has_base_ = false;
  std::set<std::string> ids_;
};

} // namespace troupe
