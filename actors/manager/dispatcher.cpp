#include "actors/manager/dispatcher.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "actors/manager/core/touched_merge.hpp"
#include "actors/manager/snapshot_round.hpp"
#include "actors/observe/metrics_families.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace {

constexpr auto status_batch_window = std::chrono::milliseconds(20);
constexpr auto agent_timeout = std::chrono::seconds(10);

using self_ptr = probed_pointer<dispatcher_actor, dispatcher_state>;

/// Routes: the touched services' routes are recomputed; each worker gets
/// the delta on top of the table it has, or the whole table if it has none.
void send_routes(self_ptr self, const cluster_state& view,
                 const touched_keys& touched) {
  auto& st = self->state;
  auto delta = st.routes.follow(view, touched);
  std::optional<pb::RouteTable> whole;
  for (const auto& [node, agent] : st.agents) {
    auto sent = st.routes_sent.find(node);
    if (sent == st.routes_sent.end()) {
      if (!whole)
        whole = st.routes.table(view.index());
      self->send(agent, atom::route_v, *whole);
      st.routes_sent[node] = view.index();
    } else if (delta.services_size() > 0) {
      auto d = delta;
      d.set_base_index(sent->second);
      self->send(agent, atom::route_v, std::move(d));
      sent->second = view.index();
    }
  }
}

void send_assignments(self_ptr self) {
  snapshot_round(self, "dispatcher", [self](const cluster_state& view) {
    auto& st = self->state;
    auto touched = std::move(st.touched);
    st.touched = touched_keys{};
    send_routes(self, view, touched);
    for (auto& [node, delta] : st.sent.deltas(view, touched.tasks)) {
      auto agent = st.agents.find(node);
      if (agent != st.agents.end())
        self->send(agent->second, atom::assign_v, std::move(delta));
    }
    for (const auto& [node, agent] : st.agents)
      if (!st.sent.knows(node))
        self->send(agent, atom::assign_v, st.sent.full(view, node));
    return pb::Entry{};
  });
}

/// The worker's next assignments and routes are whole ones.
void forget_sent(self_ptr self, const std::string& node) {
  self->state.sent.forget(node);
  self->state.routes_sent.erase(node);
}

/// The manager's monotonic clock (CAF's actor clock: simulated in tests),
/// which liveness judges heartbeats by.
int64_t now_ms(self_ptr self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch())
    .count();
}

/// Notes a heartbeat (or join) of `node`. The worker of a standalone node
/// runs in this process: it cannot miss a heartbeat, and a busy process is
/// no reason to orphan its tasks, so it is never watched.
void heard_from(self_ptr self, const std::string& node, const agent_actor& agent) {
  // A standalone node's own agent, in this process, cannot miss a heartbeat;
  // the other agents here (troupe sim's simulated workers) are watched.
  if (node == self->state.own_node && agent.node() == self->node())
    self->state.liveness.forget(node);
  else
    self->state.liveness.heard(node, now_ms(self));
}

void propose_node_down(self_ptr self, const std::string& name) {
  pb::Entry entry;
  auto status = entry.add_changes()->mutable_node_status();
  status->set_name(name);
  status->set_state("down");
  self->request(self->state.store, store_request_timeout, atom::propose_v,
                entry)
    .then([](uint64_t) {},
          [=](const caf::error& err) {
            caf::aout(self) << "dispatcher: cannot mark node " << name
                            << " down: " << error_message(err) << std::endl;
          });
}

/// Asks every agent for logs and merges their chunks into one answer.
caf::result<pb::LogChunk> gather_logs(self_ptr self, const pb::LogRequest& req) {
  auto promise = self->make_response_promise<pb::LogChunk>();
  auto merged = std::make_shared<pb::LogChunk>();
  auto waiting = std::make_shared<size_t>(self->state.agents.size());
  if (*waiting == 0) {
    promise.deliver(*merged);
    return promise;
  }
  auto one_done = [=]() mutable {
    if (--*waiting == 0)
      promise.deliver(*merged);
  };
  for (const auto& [node, agent] : self->state.agents)
    self->request(agent, agent_timeout, atom::logs_v, req)
      .then(
        [=](const pb::LogChunk& chunk) mutable {
          merged->MergeFrom(chunk);
          one_done();
        },
        [=](const caf::error&) mutable { one_done(); });
  return promise;
}

/// `troupe exec`: a round goes to the agent of the node that runs the task.
/// Passes `req` on to the agent of `node` and its answer back; `unavailable`
/// is the sentence when that agent is not connected to this leader.
template <class Reply, class Atom, class Request>
caf::result<Reply> pass_to_agent(self_ptr self, const std::string& node,
                                 const std::string& unavailable, caf::timespan timeout,
                                 Atom what, const Request& req) {
  auto agent = self->state.agents.find(node);
  if (agent == self->state.agents.end())
    return caf::make_error(error_code::unavailable, unavailable);
  auto promise = self->make_response_promise<Reply>();
  self->request(agent->second, timeout, what, req)
    .then([=](const Reply& r) mutable { promise.deliver(r); },
          [=](const caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

caf::result<pb::ExecReply> pass_exec(self_ptr self, const pb::ExecRequest& req) {
  // An output round is held by the node up to its wait: allow for it.
  return pass_to_agent<pb::ExecReply>(
    self, req.node(),
    "node " + req.node() + " is not connected to the leader now, "
      "so nothing can be run in its tasks",
    agent_timeout + std::chrono::milliseconds(req.wait_ms()), atom::exec_v, req);
}

/// `volume rm`: the volume's node removes its folder.
caf::result<pb::DiskReport> pass_volume_removal(self_ptr self, const pb::DiskRequest& req) {
  return pass_to_agent<pb::DiskReport>(
    self, req.node(),
    "node " + req.node() + ", which holds volume " + req.remove_volume()
      + ", is not connected to the leader now: its data cannot be "
        "removed (volume rm --force forgets it, leaving the data there)",
    agent_timeout, atom::read_v, req);
}

} // namespace

dispatcher_actor::behavior_type
dispatcher(probed_pointer<dispatcher_actor, dispatcher_state> self,
           store_actor store, int64_t heartbeat_ms, uint32_t down_after,
           std::string own_node) {
  self->state.store = std::move(store);
  self->state.own_node = std::move(own_node);
  self->state.heartbeat_ms = heartbeat_ms;
  self->state.liveness = node_liveness{heartbeat_ms, down_after};
  self->delayed_send(self, std::chrono::milliseconds(heartbeat_ms),
                     atom::tick_v);
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto& agents = self->state.agents;
    for (auto i = agents.begin(); i != agents.end(); ++i) {
      if (i->second.address() != msg.source)
        continue;
      // Its agent is gone (killed, restarting, or its connection lost),
      // not necessarily its tasks: they run on under their shims. The node
      // is marked down only when it misses its heartbeats (the tick), so
      // an agent back within that window re-attaches and nothing moves.
      // (A standalone node's own agent is not watched: it ends the node.)
      auto name = i->first;
      agents.erase(i);
      forget_sent(self, name);
      caf::aout(self) << "dispatcher: lost the agent of node " << name
                      << "; it is marked down unless it is back within its "
                         "heartbeat window" << std::endl;
      return;
    }
  });
  return {
    [=](atom::committed, const pb::Entry&, const touched_keys& touched) {
      if (touched.empty())
        return;
      merge(self->state.touched, touched);
      send_assignments(self);
    },
    [=](atom::join, pb::Node node, agent_actor agent) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      auto name = node.name();
      node.set_state("ready");
      pb::Entry entry;
      *entry.add_changes()->mutable_put_node() = std::move(node);
      self->request(self->state.store, store_request_timeout, atom::propose_v,
                    entry)
        .then(
          [=](uint64_t) mutable {
            self->monitor(agent);
            self->state.agents[name] = agent;
            heard_from(self, name, agent);
            forget_sent(self, name);
            send_assignments(self);
            promise.deliver(true);
          },
          [=](const caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [=](atom::status, pb::StatusReport report) {
      if (report.resync() && self->state.agents.count(report.node()) > 0) {
        forget_sent(self, report.node());  // a delta did not fit: all again
        send_assignments(self);
      }
      for (auto& s : *report.mutable_statuses())
        self->state.pending_statuses.push_back(std::move(s));
      for (auto& p : *report.mutable_ports()) {  // the worker's mesh
        p.set_node(report.node());
        self->state.pending_ports.push_back(std::move(p));
      }
      if (!self->state.flush_scheduled) {
        self->state.flush_scheduled = true;
        self->delayed_send(self, status_batch_window, atom::flush_v);
      }
    },
    [=](atom::flush) {
      self->state.flush_scheduled = false;
      if (self->state.pending_statuses.empty()
          && self->state.pending_ports.empty())
        return;
      pb::Entry entry;
      for (auto& s : self->state.pending_statuses)
        *entry.add_changes()->mutable_task_status() = std::move(s);
      self->state.pending_statuses.clear();
      for (auto& p : self->state.pending_ports)
        *entry.add_changes()->mutable_port_status() = std::move(p);
      self->state.pending_ports.clear();
      auto said = std::make_shared<bool>(false); // one sentence per flush
      for (auto& part : split_entry(std::move(entry)))
        self->request(self->state.store, store_request_timeout,
                      atom::propose_v, std::move(part))
          .then([](uint64_t) {},
                [=](const caf::error& err) {
                  if (!std::exchange(*said, true))
                    caf::aout(self) << "dispatcher: task statuses not saved: "
                                    << error_message(err) << std::endl;
                });
    },
    [=](atom::logs, const pb::LogRequest& req) { return gather_logs(self, req); },
    [=](atom::exec, const pb::ExecRequest& req) { return pass_exec(self, req); },
    [=](atom::read, const pb::DiskRequest& req) { return pass_volume_removal(self, req); },
    [=](atom::heartbeat, const std::string& node) {
      observe::count_heartbeat_received(node);
      auto agent = self->state.agents.find(node);
      if (agent == self->state.agents.end())
        return false;
      heard_from(self, node, agent->second);
      return true;
    },
    [=](atom::leader, bool leading) {
      if (leading) {
        // Workers the state says are ready must show up here in time too: a
        // worker that died with the old leader never will, and is marked down.
        self->request(self->state.store, store_request_timeout, atom::snapshot_v)
          .then([=](const state_view& view) {
                  for (const auto& [name, n] : view.nodes())
                    if (n.state() == "ready"
                        && self->state.agents.count(name) == 0)
                      self->state.liveness.heard(name, now_ms(self));
                },
                [](const caf::error&) {});
        return;
      }
      for (auto& [name, agent] : self->state.agents) {
        self->demonitor(agent.address());
        self->state.liveness.forget(name);
      }
      self->state.agents.clear();
      self->state.sent.clear();
      self->state.routes_sent.clear();
    },
    [=](atom::tick) {
      for (const auto& name : self->state.liveness.expired(now_ms(self))) {
        auto i = self->state.agents.find(name);
        if (i != self->state.agents.end()) {
          self->demonitor(i->second.address());
          self->state.agents.erase(i);
        }
        forget_sent(self, name);
        caf::aout(self) << "dispatcher: node " << name
                        << " missed its heartbeats: marking it down" << std::endl;
        propose_node_down(self, name);
      }
      self->delayed_send(self, std::chrono::milliseconds(self->state.heartbeat_ms),
                         atom::tick_v);
    },
  };
}

} // namespace troupe
