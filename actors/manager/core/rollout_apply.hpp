// How committed changes move a service's spec and its rollout state; used by
// cluster_state::apply (deterministic: time comes from the entry).
// - set_service_spec: a new spec for an existing service (deploy_stack,
//   update_service). A changed replica count only bumps `version`; any other
//   change also keeps the old spec as previous_spec, gives the service a new
//   spec_version (one above any it had) and starts a rollout
//   (update_status "updating").
// - rollback_service: swaps spec and previous_spec (and their versions) and
//   starts a rollback ("rollback_started", the reason in its message).
//   Skipped without a previous spec, or when it names another spec_version.
// - set_update_status: the service actor's progress; skipped unless it
//   describes the current spec_version.
// Each returns true if the service changed.
#pragma once

#include <cstdint>
#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

bool set_service_spec(pb::Service& svc, const pb::ServiceSpec& spec,
                      int64_t now);

bool rollback_service(pb::Service& svc, const pb::RollbackService& r,
                      int64_t now);

bool set_update_status(pb::Service& svc, const pb::UpdateStatus& status,
                       int64_t now);

/// The spec `service update` asks for, or false with *error (one sentence)
/// when the request is invalid (e.g. --env-rm of a key the service lacks).
bool updated_spec(const pb::Service& svc, const pb::ServiceUpdateRequest& req,
                  pb::ServiceSpec* out, std::string* error);

} // namespace troupe
