// What a node opens before its actors start, shared by `troupe agent`
// (run_agent) and `troupe sim` (run_sim): its record, its Raft log and
// members, its local API socket, and the process's allocator settings.
// Errors are values: false or "" with one sentence in *err.
#pragma once

#include <csignal>
#include <string>

#include "actors/manager/core/state_db.hpp"
#include "actors/manager/raft_actor.hpp"
#include "actors/node/api_socket.hpp"
#include "actors/observe/registry.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

std::string host_name();

/// The node's record as it joins: ready, active, with its resources,
/// labels and the comma-separated `drivers` it runs.
pb::Node node_record(const pb::NodeConfig& nc, const std::string& role,
                     const std::string& drivers);

/// The raft member's setup: its log (DATA_DIR/manager/raft.db), and the
/// managers it replicates with (just itself when standalone).
bool open_raft(const pb::ClusterConfig& config, const pb::NodeConfig& nc,
               const std::string& role, state_db& db, raft_setup* out,
               std::string* err);

/// Binds DATA_DIR/api.sock (mode 0660, group `group` when given); its
/// absolute path, or "" with *err. A socket file left there is stale: the
/// data dir is locked.
std::string bind_local_socket(api_socket& api, const std::string& data_dir,
                              const std::string& group, std::string* err);

/// troupe's message types, the middleman, and CAF's scheduler tuned for a
/// node: workers that sleep soon after their queues empty.
void configure_actor_system(observe::observed_config& cfg);

/// Before any thread starts: the allocator tuned (tune_allocator), SIGTERM
/// and SIGINT blocked in every thread (the caller takes them with
/// sigtimedwait; the set is returned), SIGPIPE ignored (a peer that closes
/// its end is an error on that write; children get SIG_DFL back), and
/// libprotobuf's log routed through stderr.
sigset_t prepare_node_process();

/// glibc's allocator, set for a long-lived process with many threads.
void tune_allocator();

} // namespace troupe
