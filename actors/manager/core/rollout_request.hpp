// `service update` and `service rollback` as API writes: checked against a
// view of the state, turned into the one change to propose
// (update_service with the whole new spec, or rollback_service). Bad input
// (unknown service, --env-rm of a missing key, nothing to roll back to, an
// invalid spec) gets one sentence in *error and proposes nothing.
#pragma once

#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "config/limits.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

/// Adds the change of an update_service / rollback_service request to
/// *entry; false with *error when the request cannot be served.
bool plan_rollout_request(const cluster_state& view, const pb::Request& req,
                          pb::Entry* entry, std::string* error,
                          const input_limits& limits = {});

} // namespace troupe
