// The worker agent: the worker side of a node. It joins a dispatcher — the
// one in its own process (standalone) or, for a worker, one reached through
// a manager's gateway over the network, trying each manager in turn until
// one accepts — and sends it heartbeats. It hands each assigned task to its
// supervisor and stops tasks that are no longer assigned (assignments and
// route tables come as deltas on top of the last ones, or whole; a delta
// that does not fit makes it ask the dispatcher for both whole), forwards task
// observations upstream (kept while no manager is reachable, sent after the
// next join: tasks keep running meanwhile), reads its tasks' log files (a
// detached log_job per request, off its own thread), and runs `troupe exec`
// commands in its tasks (one exec_session each, at most max_exec_sessions
// at once).
// A wrong join token ends the agent with that error. When the node runs the
// oci driver, its record lists the images of its image layout (Node.images,
// runtime/image_store.hpp), read at start and again at a heartbeat when
// index.json changed; a changed list is sent by joining again (the
// dispatcher's join replaces the record; availability and registration stay). When the node stops it
// stops every container without reporting it: the tasks stay desired
// RUNNING and start again when the node comes back.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/observe/probe.hpp"
#include "actors/worker/core/assignment_set.hpp"
#include "runtime/blocking_pool.hpp"
#include "runtime/driver.hpp"

namespace troupe {

/// Where the agent finds its dispatcher.
struct upstream_config {
  dispatcher_actor local;              // standalone: the in-process one
  std::vector<std::string> managers;   // worker: cluster addresses host:port
  std::vector<gateway_actor> gateways; // troupe sim: the managers' gateways in
                                       // this process, joined in turn
  std::string join_token;
  int64_t heartbeat_ms = 1000;
  bool stop_tasks = false;  // shutdown stops the tasks (else they keep
                            // running under their shims: live restore)
};

struct agent_state {
  static inline const char* name = "agent";
  pb::Node node;
  upstream_config upstream;
  dispatcher_actor dispatcher;  // null while not joined
  size_t next_manager = 0;
  bool joining = false;
  supervisor_actor supervisor;
  std::string tasks_dir;
  std::set<std::string> leftovers;  // tasks of containers an earlier agent
                                    // left: until the first whole list
  assignment_set assigned;         // the tasks of the last assignment list
  uint64_t routes_index = 0;       // index of the route table the mesh has
  bool routes_known = false;       // false: the next route delta asks for resync
  bool resync_asked = false;       // asked for everything whole; not answered yet
  std::map<std::string, pb::TaskStatus> latest;  // last observation of each assigned task
  std::map<uint32_t, pb::PortStatus> ports;      // the mesh's last word per published port
  bool stopping = false;  // the node is stopping: no new work, no reports
  bool cut_off = false;   // a simulated partition (atom::pause): nothing
                          // goes to or comes from the managers
  mesh_actor mesh;        // the node's routing mesh (workers), or null
  std::string images_dir;                 // oci: the image layout, or "" (no oci driver)
  std::string images_stamp;               // index.json's mtime and size when last read
  std::vector<std::string> images_sent;   // Node.images the dispatcher has
  bool sending_images = false;
  std::map<uint64_t, exec_session_actor> exec_sessions;  // `troupe exec` commands running here
  std::map<std::string, std::vector<std::string>> task_volumes; // assigned task -> local volumes it mounts
};

/// `troupe exec` commands one node runs at once.
constexpr size_t max_exec_sessions = 64;

/// `node` describes this node as it registers; `drivers` are what it runs;
/// `images_dir` is the oci driver's image layout ("" without that driver);
/// `pool` runs its containers' blocking steps (null: a pool of its own;
/// simulated workers share one).
agent_actor::behavior_type
agent(probed_pointer<agent_actor, agent_state> self, pb::Node node,
      upstream_config upstream,
      std::map<std::string, std::shared_ptr<driver>> drivers,
      std::string tasks_dir, std::string images_dir,
      std::shared_ptr<blocking_pool> pool);

/// `troupe exec` on this node (agent_exec.cpp): session 0 asks the task's
/// actor how to run the command and starts an exec_session; a later round
/// goes to its session.
caf::result<pb::ExecReply> exec_round(probed_pointer<agent_actor, agent_state> self,
                                      const pb::ExecRequest& req);

/// Forgets the exec session that ended at `source`; false when it is none.
bool end_exec_session(probed_pointer<agent_actor, agent_state> self,
                      const caf::actor_addr& source);

} // namespace troupe
