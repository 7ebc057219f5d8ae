// Every typed actor interface of troupe, one line per handler. Actors on the
// manager side (store, scheduler, dispatcher, service) and on the worker side
// (agent, supervisor, task) talk only in messages from messages/troupe.proto,
// so a worker can live in another process without changing either side.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_ostream.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/manager/state_view.hpp"
#include "actors/observe/probe.hpp"
#include "messages/type_ids.hpp"

namespace troupe {

/// Anything that wants every committed entry, in order.
using listener_actor = caf::typed_actor<
  // One committed entry (changes already applied to the store).
  caf::reacts_to<atom::committed, pb::Entry>>;

/// Wants each committed entry with the keys of the objects it touched
/// (cluster_state::apply), to work per changed object: the dispatcher and
/// the managers' meshes.
using change_listener_actor = caf::typed_actor<
  caf::reacts_to<atom::committed, pb::Entry, touched_keys>>;

/// A node's routing mesh: one load balancer per published port, following
/// the route table (from its store on managers, from the dispatcher on
/// workers).
using mesh_actor = change_listener_actor::extend<
  // The routes to serve from now on: a whole table, or a delta of some
  // services' routes (older or unchanged tables are ignored).
  caf::reacts_to<atom::route, pb::RouteTable>>;

/// One per service: reconciles desired against actual tasks.
using service_actor = listener_actor::extend<
  // Re-reads the state and reconciles now.
  caf::reacts_to<atom::reconcile>>;

/// Places pending tasks on nodes.
using scheduler_actor = listener_actor::extend<
  // Re-reads the state and places what is pending now.
  caf::reacts_to<atom::schedule>>;

/// The worker side of a node: runs what its node is assigned.
using agent_actor = caf::typed_actor<
  // This node's tasks: the whole list, or a delta on top of the last one
  // (worker/core/assignment_set.hpp); one that does not fit asks for resync.
  caf::reacts_to<atom::assign, pb::Assignments>,
  // Reads task logs stored on this node.
  caf::replies_to<atom::logs, pb::LogRequest>::with<pb::LogChunk>,
  // `system df` / `system prune`: this node's task folders (disk_job.hpp).
  caf::replies_to<atom::read, pb::DiskRequest>::with<pb::DiskReport>,
  // `troupe exec`: starts a command in a task here (session 0), or passes
  // a round to its session (exec_session.hpp).
  caf::replies_to<atom::exec, pb::ExecRequest>::with<pb::ExecReply>,
  // An observation of one task from the supervisor, to report upstream.
  caf::reacts_to<atom::status, pb::TaskStatus>,
  // From the node's mesh: a published port opened or refused, to report upstream.
  caf::reacts_to<atom::status, pb::PortStatus>,
  // Stops every task of the node; replies once all have exited.
  caf::replies_to<atom::shutdown>::with<bool>,
  // Internal: (re)tries to join the dispatcher.
  caf::reacts_to<atom::join>,
  // Internal: sends a heartbeat to the dispatcher.
  caf::reacts_to<atom::heartbeat>,
  // The cluster's routes (whole, or a per-service delta), from the
  // dispatcher: handed to the node's mesh.
  caf::reacts_to<atom::route, pb::RouteTable>,
  // Wiring: the node's mesh, which route tables go to.
  caf::reacts_to<atom::route, mesh_actor>,
  // A simulated fault (troupe sim): true cuts the node off from the managers
  // (no heartbeats, no reports, assignments dropped; tasks keep running),
  // false heals it (the latest observations are sent again).
  caf::reacts_to<atom::pause, bool>>;

/// One-for-one supervisor of a node's task actors; applies restart policies.
using supervisor_actor = caf::typed_actor<
  // Runs the task if it is new, or applies its desired state.
  caf::reacts_to<atom::run, pb::Task>,
  // Stops the task with this id (it is no longer assigned here).
  caf::reacts_to<atom::stop, std::string>,
  // Stops every task; replies once all have exited.
  caf::replies_to<atom::shutdown>::with<bool>,
  // An observation from a task actor (pid, state, message).
  caf::reacts_to<atom::status, pb::TaskStatus>,
  // A task's container exited: task id, exit code, message, whether troupe
  // asked for it, and when that container had started (unix ms).
  caf::reacts_to<atom::exited, std::string, int32_t, std::string, bool, int64_t>,
  // The restart delay of a task ran out: start it again.
  caf::reacts_to<atom::restart, std::string>,
  // `troupe exec`: how to run the request's command in its running task.
  caf::replies_to<atom::exec, pb::ExecRequest>::with<pb::ExecTarget>>;

/// One task: drives its container through the driver one step at a time.
using task_actor = caf::typed_actor<
  // Stops the container within the task's stop grace period.
  caf::reacts_to<atom::stop>,
  // Internal: checks whether the container exited (sent by the driver's
  // exit watcher, or on a timer for drivers that cannot watch).
  caf::reacts_to<atom::poll>,
  // Internal: the grace period ran out; the container gets SIGKILL.
  caf::reacts_to<atom::kill>,
  // Internal: a start run on the blocking pool ended: RUNNING with the
  // container's id and pid, or FAILED with the reason.
  caf::reacts_to<atom::status, pb::TaskStatus>,
  // Internal: the exited container was cleaned up (exit code, message).
  caf::reacts_to<atom::exited, int32_t, std::string>,
  // Internal: time for the next health check.
  caf::reacts_to<atom::tick>,
  // `troupe exec`: how to run the request's command in this running task.
  caf::replies_to<atom::exec, pb::ExecRequest>::with<pb::ExecTarget>>;

/// One `troupe exec` command on a worker: its streams, round by round.
using exec_session_actor = caf::typed_actor<
  // A round: input, signal, size; the reply carries the output since the
  // last one (held up to wait_ms for some), or nothing for input_only.
  caf::replies_to<atom::exec, pb::ExecRequest>::with<pb::ExecReply>,
  // Internal: the pump has output or the command ended.
  caf::reacts_to<atom::poll>,
  // Internal: a held reply's wait ran out (its round number), or the idle check.
  caf::reacts_to<atom::tick, uint64_t>>;

/// Manager side of the worker protocol: registers nodes, sends them their
/// assignments, and turns their status reports into store proposals.
using dispatcher_actor = change_listener_actor::extend<
  // A worker joins (or re-joins) with its node record and agent handle.
  caf::replies_to<atom::join, pb::Node, agent_actor>::with<bool>,
  // Status observations from a worker, proposed in batches.
  caf::reacts_to<atom::status, pb::StatusReport>,
  // Reads logs of a service's tasks from the nodes that ran them.
  caf::replies_to<atom::logs, pb::LogRequest>::with<pb::LogChunk>,
  // `troupe exec`: passes a round to the agent of the request's node.
  caf::replies_to<atom::exec, pb::ExecRequest>::with<pb::ExecReply>,
  // `volume rm`: passes the removal to the agent of the request's node.
  caf::replies_to<atom::read, pb::DiskRequest>::with<pb::DiskReport>,
  // Internal: proposes the status reports collected so far.
  caf::reacts_to<atom::flush>,
  // A worker is alive (node name), every node heartbeat interval; false
  // means the dispatcher does not know it (any more): it must join again.
  caf::replies_to<atom::heartbeat, std::string>::with<bool>,
  // Internal: marks nodes down that missed too many heartbeats.
  caf::reacts_to<atom::tick>,
  // This manager started leading (expect every ready worker to join within
  // the heartbeat limit) or stopped (forget the workers: they join the new
  // leader when their next heartbeat is refused).
  caf::reacts_to<atom::leader, bool>>;


/// A manager's door for other processes, published on its cluster address.
using gateway_actor = caf::typed_actor<
  // A worker joins with its node record, the cluster's join token and its
  // agent; the reply is the dispatcher (of the leader) it reports to.
  caf::replies_to<atom::join, pb::Node, std::string, agent_actor>::with<
    dispatcher_actor>,
  // A Raft message from a peer manager.
  caf::reacts_to<atom::raft, pb::RaftMessage>,
  // A write forwarded by a follower manager; replies with its index.
  caf::replies_to<atom::propose, pb::Entry>::with<uint64_t>,
  // Task logs read through the leader's dispatcher, which every worker
  // joined (a follower's API asks the leader's gateway).
  caf::replies_to<atom::logs, pb::LogRequest>::with<pb::LogChunk>,
  // `troupe exec` rounds, passed to the leader's dispatcher likewise.
  caf::replies_to<atom::exec, pb::ExecRequest>::with<pb::ExecReply>,
  // `volume rm`: a volume's folder removed by its node, likewise.
  caf::replies_to<atom::read, pb::DiskRequest>::with<pb::DiskReport>>;

/// What the raft actor feeds: committed entries and installed snapshots.
using applier_actor = caf::typed_actor<
  // Applies one committed entry (index set); replies with the applied index.
  caf::replies_to<atom::apply, pb::Entry>::with<uint64_t>,
  // Replaces the whole state with a snapshot from the leader.
  caf::replies_to<atom::restore, pb::ClusterSnapshot>::with<uint64_t>>;

/// The Raft member of a manager: a thin shell around raft::raft_node.
using raft_actor = caf::typed_actor<
  // Commits the entry (forwarded to the leader if this member follows) and
  // replies with its index once the local store has applied it.
  caf::replies_to<atom::propose, pb::Entry>::with<uint64_t>,
  // A linearizable read: replies with the index the reader must wait for.
  caf::replies_to<atom::read>::with<uint64_t>,
  // A Raft message from a peer (through its gateway).
  caf::reacts_to<atom::raft, pb::RaftMessage>,
  // Internal: one logical clock tick.
  caf::reacts_to<atom::tick>,
  // Internal: persists and sends what the core has ready (after a burst of
  // proposals and peer messages, so they share one fsync).
  caf::reacts_to<atom::flush>,
  // Internal: (re)connects to the peer with this name.
  caf::reacts_to<atom::connect, std::string>,
  // Leader, term, indexes and members for `troupe cluster status`.
  caf::replies_to<atom::status>::with<pb::ClusterStatus>,
  // Where a join should go: true if this member leads, else the leader's
  // gateway (an error when no leader is known).
  caf::replies_to<atom::leader>::with<bool, gateway_actor>,
  // The store made a snapshot of its state at this index.
  caf::reacts_to<atom::compact, uint64_t, std::string>,
  // Graceful stop: hands leadership to a caught-up peer; replies when done.
  caf::replies_to<atom::shutdown>::with<bool>>;

/// Writes the store's checkpoint (state.db) on its own thread, so SQLite
/// never blocks the store.
using checkpoint_actor = caf::typed_actor<
  // Saves the objects named in the keys as the view holds them, and the
  // view's index, in one transaction; with true, also replies with the
  // view serialized for Raft compaction ("" otherwise).
  caf::replies_to<atom::flush, state_view, touched_keys, bool>::with<
    std::string>>;

/// The only writer of cluster state: applies committed entries to memory, in
/// index order, tells listeners, and checkpoints to SQLite in batches.
using store_actor = applier_actor::extend<
  // Commits the changes of the entry as one batch (through Raft); replies
  // with its index once applied here.
  caf::replies_to<atom::propose, pb::Entry>::with<uint64_t>,
  // An immutable view of the whole state as of the last applied entry
  // (O(1): shared with the store, never copied; state_view.hpp).
  caf::replies_to<atom::snapshot>::with<state_view>,
  // A view once at least this index is applied (linearizable reads).
  caf::replies_to<atom::snapshot, uint64_t>::with<state_view>,
  // From now on, sends each committed entry to the listener.
  caf::reacts_to<atom::subscribe, listener_actor>,
  // From now on, sends the listener only the committed entries that touched
  // this service, its tasks, or any node (a service actor's feed).
  caf::reacts_to<atom::subscribe, listener_actor, std::string>,
  // From now on, sends each committed entry with the keys it touched.
  caf::reacts_to<atom::subscribe, change_listener_actor>,
  // Wiring: the raft member that proposals go through.
  caf::reacts_to<atom::raft, raft_actor>,
  // Internal: writes the checkpoint of what was applied since the last one.
  caf::reacts_to<atom::flush>>;

/// The root actor of a process: spawns and supervises the actors of its role.
using node_actor = listener_actor::extend<
  // Stops every task of the node gracefully; replies once they have exited.
  caf::replies_to<atom::shutdown>::with<bool>,
  // This manager became (true) or stopped being (false) the Raft leader.
  caf::reacts_to<atom::leader, bool>>;

/// A manager's (or standalone node's) event publisher: derives events from
/// committed entries, keeps a bounded history and publishes on its PUB socket.
using events_actor = listener_actor::extend<
  // An event not derived from an entry (leader change, actor kill); seq,
  // index and time are filled in when unset.
  caf::reacts_to<atom::publish, pb::Event>,
  // History since a time (and after a seq) plus the PUB socket's address.
  caf::replies_to<atom::read, pb::EventsRequest>::with<pb::EventsReply>,
  // Internal: sends what is queued on the PUB socket.
  caf::reacts_to<atom::flush>>;

/// The client API of a node: a ZeroMQ ROUTER socket served between polls.
using api_actor = caf::typed_actor<
  // Internal: serves what arrived on the socket, then polls again.
  caf::reacts_to<atom::poll>,
  // The node's agent (nodes that run tasks), spawned after the API.
  caf::reacts_to<atom::connect, agent_actor>>;

} // namespace troupe

CAF_BEGIN_TYPE_ID_BLOCK(troupe_actors, caf::id_block::troupe::end)
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::listener_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::mesh_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::agent_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::dispatcher_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::gateway_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::raft_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::state_view))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::touched_keys))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::checkpoint_actor))
  CAF_ADD_TYPE_ID(troupe_actors, (troupe::change_listener_actor))
CAF_END_TYPE_ID_BLOCK(troupe_actors)
