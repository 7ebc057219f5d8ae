#include "actors/observe/events.hpp"

#include <chrono>

#include <zmq_addon.hpp>

#include "actors/manager/snapshot_round.hpp"
#include "actors/observe/introspection.hpp"
#include "actors/observe/metrics_families.hpp"
#include "messages/errors.hpp"
#include "runtime/thread_name.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::observe {

namespace {

using self_ptr = probed_pointer<events_actor, events_state>;

constexpr auto poll_interval = std::chrono::milliseconds(250);
constexpr auto status_timeout = std::chrono::seconds(2);
const caf::atom_value registry_key = caf::atom("tr.events");

void send_event(self_ptr self, pb::Event e) {
  auto& st = self->state;
  e.set_seq(++st.seq);
  if (e.time() == 0)
    e.set_time(unix_now_ms());
  if (e.index() == 0)
    e.set_index(st.source.state().index());
  count_event(e.type());
  try {
    zmq::multipart_t msg;
    msg.addstr(e.type());
    msg.addstr(e.SerializeAsString());
    msg.send(st.pub->socket, ZMQ_DONTWAIT); // a slow subscriber drops, never blocks
  } catch (const zmq::error_t&) {
  }
  st.history.push_back(std::move(e));
  while (st.history.size() > st.history_limit)
    st.history.pop_front();
}

void update_task_gauges(self_ptr self) {
  std::map<std::string, double> counts;
  for (int s = pb::TaskState_MIN; s <= pb::TaskState_MAX; ++s)
    if (pb::TaskState_IsValid(s))
      counts[state_name(static_cast<pb::TaskState>(s))] = 0;
  for (const auto& [state, n] : self->state.source.task_counts())
    counts[state_name(state)] += static_cast<double>(n);
  set_tasks_by_state(counts);
}

/// Metrics that come from entries: restarts and scheduling delay.
void entry_metrics(const std::vector<pb::Event>& events, const cluster_state& s,
                   const pb::Entry& entry) {
  for (const auto& e : events) {
    if (e.type() != "task")
      continue;
    if (e.action() == "restarted") {
      count_task_restarts(e.attributes().count("service") ? e.attributes().at("service")
                                                          : "",
                          1);
    } else if (e.action() == "assigned") {
      if (auto* t = s.find_task(e.subject()))
        observe_scheduling_delay_ms(entry.timestamp() - t->created_at());
    }
  }
}

void on_entry(self_ptr self, const pb::Entry& entry);

/// Reads the store's state, then replays the entries that arrived meanwhile
/// (those it already covers are skipped by index).
void sync(self_ptr self) {
  self->request(self->state.store, store_request_timeout, atom::snapshot_v)
    .then(
      [=](const state_view& view) {
        auto& st = self->state;
        st.source.reset(view);
        st.synced = true;
        auto early = std::move(st.early);
        st.early.clear();
        for (const auto& e : early)
          on_entry(self, e);
        update_task_gauges(self);
      },
      [=](const caf::error& err) {
        caf::aout(self) << "events: cannot read the state: " << error_message(err)
                        << std::endl;
      });
}

void on_entry(self_ptr self, const pb::Entry& entry) {
  auto& st = self->state;
  if (!st.synced) {
    st.early.push_back(entry);
    return;
  }
  if (entry.index() <= st.source.state().index())
    return;
  if (entry.index() != st.source.state().index() + 1 && st.source.state().index() != 0) {
    // A snapshot was installed under us: start again from the store's state.
    st.synced = false;
    st.early.clear();
    st.early.push_back(entry);
    sync(self);
    return;
  }
  auto events = st.source.apply(entry);
  entry_metrics(events, st.source.state(), entry);
  for (auto& e : events)
    send_event(self, std::move(e));
  if (!events.empty())
    update_task_gauges(self);
}

void poll_raft(self_ptr self) {
  self->request(self->state.raft, status_timeout, atom::status_v)
    .then(
      [=](const pb::ClusterStatus& cs) {
        auto& st = self->state;
        set_raft(cs.term(), cs.commit_index(), cs.applied_index(),
                 !cs.leader().empty() && cs.leader() == cs.answered_by(),
                 !cs.leader().empty());
        st.commit = cs.commit_index();
        if (cs.leader() != st.leader) {
          pb::Event e;
          e.set_type("cluster");
          e.set_action(cs.leader().empty() ? "leader_lost" : "leader");
          e.set_subject(cs.leader());
          e.set_node(cs.answered_by());
          (*e.mutable_attributes())["term"] = std::to_string(cs.term());
          (*e.mutable_attributes())["old_leader"] = st.leader;
          e.set_message(cs.leader().empty()
                          ? "no leader known (was " + st.leader + ")"
                          : cs.leader() + " leads the managers (term "
                              + std::to_string(cs.term()) + ")");
          e.set_index(cs.commit_index());
          st.leader = cs.leader();
          send_event(self, std::move(e));
        }
        st.term = cs.term();
      },
      [=](const caf::error&) {});
}

/// The console killed an actor of this node: an `actor killed` event.
void on_kill(caf::actor_system& sys, const pb::ActorInfo& victim,
             const std::string& reason) {
  pb::Event e;
  e.set_type("actor");
  e.set_action("killed");
  e.set_subject(victim.name());
  if (auto* reg = registry_of(sys))
    e.set_node(reg->node().name());
  (*e.mutable_attributes())["id"] = std::to_string(victim.id());
  (*e.mutable_attributes())["kind"] = victim.kind();
  (*e.mutable_attributes())["reason"] = reason;
  e.set_message("actor " + victim.name() + " (" + victim.kind() + ", id "
                + std::to_string(victim.id()) + ") killed: " + reason);
  publish_event(sys, std::move(e));
}

} // namespace

std::vector<pb::Event> events_since(const std::deque<pb::Event>& history,
                                    int64_t since, uint64_t after_seq) {
  std::vector<pb::Event> out;
  for (const auto& e : history)
    if (e.time() >= since && e.seq() > after_seq)
      out.push_back(e);
  return out;
}

events_actor events_of(caf::actor_system& sys) {
  return caf::actor_cast<events_actor>(
    sys.registry().get<caf::strong_actor_ptr>(registry_key));
}

void publish_event(caf::actor_system& sys, pb::Event event) {
  if (auto ev = events_of(sys))
    caf::anon_send(ev, atom::publish_v, std::move(event));
}

events_actor::behavior_type events(self_ptr self, std::shared_ptr<events_socket> pub,
                                   store_actor store, raft_actor raft) {
  name_this_thread("troupe.events");
  auto& st = self->state;
  st.pub = std::move(pub);
  st.store = std::move(store);
  st.raft = std::move(raft);
  describe(self, actor_kind::events, "events");
  set_summary(self, "publishing on " + st.pub->address);
  self->system().registry().put(registry_key,
                                caf::actor_cast<caf::strong_actor_ptr>(self));
  // Subscribe first, then read: entries applied in between arrive twice and
  // the second copy is skipped by index.
  self->send(st.store, atom::subscribe_v, caf::actor_cast<listener_actor>(self));
  sync(self);
  self->send(self, atom::flush_v);
  set_kill_hook(&on_kill);
  self->attach_functor([key = registry_key, sys = &self->system()] {
    sys->registry().erase(key);
  });
  return {
    [=](atom::committed, const pb::Entry& entry) { on_entry(self, entry); },
    [=](atom::publish, pb::Event e) { send_event(self, std::move(e)); },
    [=](atom::read, const pb::EventsRequest& req) {
      auto& st = self->state;
      pb::EventsReply reply;
      for (auto& e : events_since(st.history, req.since(), req.after_seq()))
        *reply.add_events() = std::move(e);
      reply.set_events_address(st.pub->address);
      reply.set_last_seq(st.seq);
      return reply;
    },
    [=](atom::flush) {
      poll_raft(self);
      set_summary(self, std::to_string(self->state.seq) + " events; publishing on "
                          + self->state.pub->address);
      self->delayed_send(self, poll_interval, atom::flush_v);
    },
  };
}

} // namespace troupe::observe
