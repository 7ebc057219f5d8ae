// `volume ls|inspect|rm` against a view of the state, free of actors: which
// live tasks use a volume, and whether a removal may go ahead. A local
// volume is in use while a live task (assigned..running) on its node mounts
// it; such a volume is never removed. A volume whose node is down or gone
// cannot have its data removed; --force then forgets the record and leaves
// the data on that node.
#pragma once

#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

/// The volume, the live tasks that mount it and its node's state.
pb::VolumeSummary summarize_volume(const cluster_state& view, const pb::Volume& volume);

/// `volume ls` (every volume, by name) or `volume inspect NAME`.
pb::Response answer_volume_read(const cluster_state& view, const pb::Request& request);

/// What `volume rm` does next.
struct volume_removal {
  std::string error;     // non-empty: refused, one sentence
  std::string node;      // the node that must remove the data ("" = none)
  bool forget_only = false; // --force on a node that is down: only the record goes
};

volume_removal plan_volume_removal(const cluster_state& view, const pb::VolumeRemoval& req);

/// The change that forgets a volume's record once its data is gone.
pb::Entry forget_volume(const std::string& name);

} // namespace troupe
