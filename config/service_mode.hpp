// A service's mode, in one place: "replicated" (the default), "global" (one
// task per eligible node), and the job modes as in Docker Swarm,
// "replicated-job" (`completions` tasks run to completion, at most
// `max_concurrent` at once) and "global-job" (one task per eligible node,
// run to completion once). Pure helpers over the spec.
#pragma once

#include <cstdint>

#include "messages/troupe.pb.h"

namespace troupe {

/// One task per eligible node ("global" or "global-job").
inline bool is_global_mode(const pb::ServiceSpec& s) {
  return s.mode() == "global" || s.mode() == "global-job";
}

/// Tasks run to completion ("replicated-job" or "global-job").
inline bool is_job_mode(const pb::ServiceSpec& s) {
  return s.mode() == "replicated-job" || s.mode() == "global-job";
}

/// A replicated-job's tasks that must complete (0 read as 1).
inline uint32_t job_completions(const pb::ServiceSpec& s) {
  return s.completions() == 0 ? 1 : s.completions();
}

/// A replicated-job's tasks running at once (0 read as 1).
inline uint32_t job_max_concurrent(const pb::ServiceSpec& s) {
  return s.max_concurrent() == 0 ? 1 : s.max_concurrent();
}

/// The slots 1..N of a service that is not global: its replicas, or a
/// replicated-job's completions.
inline uint32_t wanted_slots(const pb::ServiceSpec& s) {
  return s.mode() == "replicated-job" ? job_completions(s) : s.replicas();
}

} // namespace troupe
