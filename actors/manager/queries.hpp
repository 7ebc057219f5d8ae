// The client API's logic, free of actors and sockets: reads answered from a
// view of the state, and writes turned into the changes to propose after
// checking them against that view. A request that cannot be served gets one
// sentence in Response.error and proposes nothing.
#pragma once

#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "config/limits.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

/// True for requests answered from a snapshot alone.
bool is_read(const pb::Request& request);

/// True for requests that propose an entry.
bool is_write(const pb::Request& request);

/// Answers a read request from `view`.
pb::Response answer_read(const cluster_state& view, const pb::Request& request);

/// The entry a write request proposes, or an empty entry with *error set.
/// Every request is held to `limits` (replicas per service, tasks in the
/// cluster, sizes of commands, env, ports, labels).
pb::Entry plan_write(const cluster_state& view, const pb::Request& request,
                     std::string* error, const input_limits& limits = {});

/// Why `entry` would take the cluster past limits.max_tasks desired tasks
/// ("" when it does not, or when it does not grow the count).
std::string task_ceiling_problem(const cluster_state& view, const pb::Entry& entry,
                                 const input_limits& limits);

/// Why `entry` deploys (or updates to) an oci image that no ready node holds
/// ("" when every such image is on some ready node); the sentence says how
/// to build or load it.
std::string image_problem(const cluster_state& view, const pb::Entry& entry);

/// Summary of one service as `service ls` shows it. Running replicas are
/// RUNNING tasks with a process: one waiting to restart does not count.
pb::ServiceSummary summarize(const cluster_state& view, const pb::Service& svc);

} // namespace troupe
