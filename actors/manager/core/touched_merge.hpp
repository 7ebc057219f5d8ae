// Gathering the touched keys of several entries (cluster_state::apply) into
// one set: what a batch, or the entries since a reader's last round, touched.
#pragma once

#include "actors/manager/core/cluster_state.hpp"

namespace troupe {

inline void merge(touched_keys& into, const touched_keys& x) {
  into.stacks.insert(x.stacks.begin(), x.stacks.end());
  into.services.insert(x.services.begin(), x.services.end());
  into.tasks.insert(x.tasks.begin(), x.tasks.end());
  into.nodes.insert(x.nodes.begin(), x.nodes.end());
  into.volumes.insert(x.volumes.begin(), x.volumes.end());
}

} // namespace troupe
