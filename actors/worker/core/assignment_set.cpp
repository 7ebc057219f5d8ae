#include "actors/worker/core/assignment_set.hpp"

namespace troupe {

assignment_step assignment_set::apply(const pb::Assignments& a) {
  assignment_step step;
  if (a.full()) {
    std::set<std::string> now;
    for (const auto& t : a.tasks()) {
      now.insert(t.id());
      step.run.push_back(t);
    }
    for (const auto& id : ids_)
      if (now.count(id) == 0)
        step.stop.push_back(id);
    ids_ = std::move(now);
  } else {
    if (!has_base_ || a.base_index() != index_) {
      step.resync = true;
      return step;
    }
    for (const auto& id : a.removed())
      if (ids_.erase(id) > 0)
        step.stop.push_back(id);
    for (const auto& t : a.tasks()) {
      ids_.insert(t.id());
      step.run.push_back(t);
    }
  }
  index_ = a.index();
  has_base_ = true;
  return step;
}

} // namespace troupe
