#include "actors/manager/raft_actor.hpp"

#include <chrono>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include "messages/errors.hpp"
#include "actors/observe/metrics_families.hpp"
#include "runtime/thread_name.hpp"
#include "runtime/thread_priority.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<raft_actor, raft_state>;

constexpr auto connect_timeout = std::chrono::seconds(5);
constexpr auto reconnect_delay = std::chrono::seconds(1);
constexpr auto store_timeout = std::chrono::seconds(30);

const pb::ManagerConfig* manager(self_ptr self, const std::string& name) {
  for (const auto& m : self->state.setup.managers)
    if (m.name() == name)
      return &m;
  return nullptr;
}

void connect_peer(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto m = manager(self, name);
  if (m == nullptr || st.peers.count(name) > 0 || st.connecting.count(name) > 0)
    return;
  st.connecting.insert(name);
  const auto& address = m->cluster_address();
  auto colon = address.rfind(':');
  auto host = address.substr(0, colon);
  auto port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, connect_timeout, caf::connect_atom::value, host, port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>&) {
        self->state.connecting.erase(name);
        if (!ptr) {
          self->delayed_send(self, reconnect_delay, atom::connect_v, name);
          return;
        }
        auto gw = caf::actor_cast<gateway_actor>(ptr);
        self->monitor(gw);
        self->state.peers[name] = gw;
      },
      [=](const caf::error&) {
        self->state.connecting.erase(name);
        self->delayed_send(self, reconnect_delay, atom::connect_v, name);
      });
}

void fail_writes(self_ptr self, const std::string& why) {
  for (auto& [index, w] : self->state.writes)
    w.promise.deliver(caf::make_error(error_code::unavailable, why));
  self->state.writes.clear();
}

void apply_committed(self_ptr self, const pb::RaftEntry& e) {
  pb::Entry entry;
  if (e.type() == raft::entry_normal && !entry.ParseFromString(e.data()))
    caf::aout(self) << "raft: entry " << e.index()
                    << " is not a troupe entry; applied as empty" << std::endl;
  entry.set_index(e.index());
  entry.set_term(e.term());
  auto index = e.index();
  auto term = e.term();
  self->request(self->state.store, store_timeout, atom::apply_v, entry)
    .then(
      [=](uint64_t) {
        auto& st = self->state;
        st.applied = std::max(st.applied, index);
        auto w = st.writes.find(index);
        if (w == st.writes.end())
          return;
        if (w->second.term == term) {
          if (entry.timestamp() > 0)
            observe::observe_commit_latency_ms(unix_now_ms() - entry.timestamp());
          w->second.promise.deliver(index);
        }
        else
          w->second.promise.deliver(caf::make_error(
            error_code::unavailable,
            "the write was replaced by another leader's log; it was not applied"));
        st.writes.erase(w);
      },
      [=](const caf::error& err) {
        self->quit(err); // the store could not persist: stop this member
      });
}

/// Logs each change of role with its cause, so a cluster that elects
/// leaders again and again shows who started it and after how long a silence.
void log_role_change(self_ptr self) {
  auto& st = self->state;
  auto role = st.node->state();
  if (role == st.last_role)
    return;
  auto was = st.last_role;
  st.last_role = role;
  auto term = st.node->term();
  if (role == raft::role::pre_candidate || role == raft::role::candidate) {
    if (was != raft::role::follower)
      return;
    // A pre-vote asks for the next term without taking it yet.
    if (role == raft::role::pre_candidate)
      ++term;
    caf::aout(self) << "raft: starting an election for term " << term << ": "
                    << (st.known_leader.empty() || st.heard_leader_ms == 0
                          ? std::string("no leader known")
                          : "no word from leader " + st.known_leader + " for "
                              + std::to_string(unix_now_ms() - st.heard_leader_ms)
                              + " ms")
                    << std::endl;
  } else if (was == raft::role::leader) {
    caf::aout(self) << "raft: stepping down in term " << term << ": "
                    << (st.node->leader().empty()
                          ? std::string("a majority of managers did not answer "
                                        "within the election timeout")
                          : "manager " + st.node->leader() + " leads")
                    << std::endl;
  }
}

void check_leadership(self_ptr self) {
  auto& st = self->state;
  log_role_change(self);
  if (st.node->leader() != st.known_leader) {
    // Reads waiting on the old leader's answer will not get one.
    st.known_leader = st.node->leader();
    for (auto& [ctx, p] : st.reads)
      p.deliver(caf::make_error(error_code::unavailable,
                                "the leader changed during the read; retry"));
    st.reads.clear();
  }
  bool leading = st.node->state() == raft::role::leader;
  if (!st.stop_waiters.empty() && !leading) {
    for (auto& p : st.stop_waiters)
      p.deliver(true);
    st.stop_waiters.clear();
  }
  if (leading == st.leading)
    return;
  st.leading = leading;
  if (!leading)
    fail_writes(self, "this manager lost its leadership before the write was "
                      "confirmed; it may or may not be applied: check and retry");
  self->send(st.parent, atom::leader_v, leading);
}

void send_all(self_ptr self, std::vector<pb::RaftMessage>& msgs) {
  auto& st = self->state;
  for (auto& m : msgs) {
    auto peer = st.peers.find(m.to());
    if (peer != st.peers.end())
      self->send(peer->second, atom::raft_v, std::move(m));
    else
      connect_peer(self, m.to());
  }
}

/// Applies committed entries and answers reads (in order, once durable).
void apply_and_answer(self_ptr self, raft_state::unapplied& a) {
  auto& st = self->state;
  for (const auto& e : a.committed)
    apply_committed(self, e);
  for (const auto& rs : a.read_states) {
    auto r = st.reads.find(rs.ctx);
    if (r == st.reads.end())
      continue;
    r->second.deliver(rs.index);
    st.reads.erase(r);
  }
}

/// A batch is durable: tell the core, send, restore (its committed entries
/// and reads are in `applying`).
void finish(self_ptr self, raft::ready& rd) {
  auto& st = self->state;
  st.node->persisted(rd.stable_index, rd.stable_term);
  send_all(self, rd.messages);
  if (rd.snapshot) {
    pb::ClusterSnapshot snap;
    snap.ParseFromString(rd.snapshot->data());
    snap.set_index(rd.snapshot->index());
    st.applied = rd.snapshot->index();
    self->request(st.store, store_timeout, atom::restore_v, snap)
      .then([](uint64_t) {}, [=](const caf::error& e) { self->quit(e); });
  }
}

/// Finishes, in order, the batches the writer has made durable; false
/// (and the member stops) if a save failed.
bool finish_durable(self_ptr self) {
  auto& st = self->state;
  if (auto err = st.writer->failed()) {
    self->quit(caf::make_error(error_code::io_error,
                               "the raft log could not be saved: " + *err));
    return false;
  }
  auto durable = st.writer->durable();
  while (!st.saving.empty() && st.saving.front().seq <= durable) {
    auto rd = std::move(st.saving.front().rd);
    st.saving.pop_front();
    finish(self, rd);
  }
  while (!st.applying.empty() && st.applying.front().seq <= durable) {
    auto a = std::move(st.applying.front());
    st.applying.pop_front();
    apply_and_answer(self, a);
  }
  return true;
}

/// Takes whatever the core has ready: a leader's appends go out at once,
/// the rest is saved by the writer thread (batches taken while it is busy
/// share its next fsync) and finished once durable, in order.
void drain(self_ptr self) {
  auto& st = self->state;
  for (;;) {
    if (!finish_durable(self))
      return;
    if (!st.node->has_ready())
      break;
    bool leading = st.node->state() == raft::role::leader;
    auto rd = st.node->take_ready();
    send_all(self, rd.leader_messages);
    uint64_t after = st.writer->submitted(); // what came before must be durable
    uint64_t seq = after;
    if (rd.needs_save()) {
      raft::ready part;
      part.entries = std::move(rd.entries);
      part.hard_state = std::move(rd.hard_state);
      part.compacted = std::move(rd.compacted);
      part.snapshot = rd.snapshot; // also restored into the store, later
      part.stable_index = rd.stable_index;
      part.stable_term = rd.stable_term;
      seq = st.writer->submit(std::move(part));
    }
    // A batch that only moves the commit index need not wait for its own
    // save (its entries are in earlier batches), only for theirs.
    uint64_t wait = rd.wait_for_save ? seq : after;
    if (!rd.committed.empty() || !rd.read_states.empty())
      st.applying.push_back({leading ? 0 : wait, std::move(rd.committed),
                             std::move(rd.read_states)});
    st.saving.push_back({wait, std::move(rd)});
  }
  check_leadership(self);
  observe::set_summary(self, std::string{raft::to_string(st.node->state())}
                               + ", term " + std::to_string(st.node->term())
                               + ", commit "
                               + std::to_string(st.node->log().committed)
                               + ", applied " + std::to_string(st.applied)
                               + ", saving " + std::to_string(st.saving.size()));
}

/// Drains once the mailbox has had its turn: proposals and peer messages
/// that arrive together are saved with one fsync and sent in one batch.
void drain_soon(self_ptr self) {
  if (self->state.flush_pending)
    return;
  self->state.flush_pending = true;
  self->send(self, atom::flush_v);
}

caf::error to_error(const raft::result& r) {
  switch (r.error) {
    case raft::error_code::no_leader:
      return caf::make_error(error_code::unavailable,
                             "no leader: a majority of managers is not "
                             "reachable right now; nothing was written");
    case raft::error_code::transferring:
    case raft::error_code::not_ready:
      return caf::make_error(error_code::unavailable,
                             "the leader is changing; retry in a moment");
    default:
      return caf::make_error(error_code::unavailable,
                             std::string("raft: ") + raft::to_string(r.error));
  }
}

caf::result<uint64_t> propose(self_ptr self, pb::Entry entry) {
  auto& st = self->state;
  if (entry.timestamp() == 0)
    entry.set_timestamp(unix_now_ms());
  auto r = st.node->propose(entry.SerializeAsString());
  if (r.error == raft::error_code::not_leader) {
    auto peer = st.peers.find(r.leader_hint);
    if (peer == st.peers.end())
      return caf::make_error(error_code::unavailable,
                             "the leader " + r.leader_hint
                               + " is not reachable from this manager");
    return self->delegate(peer->second, atom::propose_v, std::move(entry));
  }
  if (!r.ok())
    return to_error(r);
  auto promise = self->make_response_promise<uint64_t>();
  st.writes[r.index] = raft_state::pending_write{r.term, promise};
  drain_soon(self);
  return promise;
}

caf::result<uint64_t> read(self_ptr self) {
  auto& st = self->state;
  if (st.node->state() != raft::role::leader
      && st.peers.count(st.node->leader()) == 0)
    return caf::make_error(error_code::unavailable,
                           "no leader is reachable from this manager right now");
  auto ctx = st.setup.id + "/" + std::to_string(++st.next_read);
  auto r = st.node->read_index(ctx);
  if (!r.ok())
    return to_error(r);
  auto promise = self->make_response_promise<uint64_t>();
  st.reads.emplace(ctx, promise);
  drain_soon(self);
  return promise;
}

pb::ClusterStatus cluster_status(self_ptr self) {
  auto& st = self->state;
  auto s = st.node->get_status();
  pb::ClusterStatus out;
  out.set_leader(s.leader);
  out.set_term(s.term);
  out.set_commit_index(s.commit_index);
  out.set_applied_index(st.applied);
  out.set_answered_by(st.setup.id);
  for (const auto& m : st.setup.managers) {
    auto member = out.add_members();
    member->set_name(m.name());
    member->set_address(m.cluster_address());
    if (m.name() == st.setup.id) {
      member->set_state(raft::to_string(s.state));
      member->set_match_index(st.node->log().last_index());
      continue;
    }
    bool reachable = st.peers.count(m.name()) > 0;
    member->set_state(!reachable ? "unreachable"
                      : m.name() == s.leader ? "leader"
                                             : "follower");
    for (const auto& p : s.peers)
      if (p.id == m.name()) {
        member->set_match_index(p.match_index);
        if (!p.recent_active)
          member->set_state("unreachable");
      }
  }
  return out;
}

void graceful_stop(self_ptr self, caf::typed_response_promise<bool> promise) {
  auto& st = self->state;
  auto s = st.node->get_status();
  std::string best;
  uint64_t best_match = 0;
  for (const auto& p : s.peers)
    if (p.recent_active && p.match_index >= best_match) {
      best = p.id;
      best_match = p.match_index;
    }
  if (st.node->state() != raft::role::leader || best.empty()) {
    promise.deliver(true);
    return;
  }
  st.stop_waiters.push_back(promise);
  st.stop_ticks = 0;
  st.node->transfer_leadership(best);
  drain(self);
}

} // namespace

raft_actor::behavior_type raft_member(probed_pointer<raft_actor, raft_state> self,
                                      raft_setup setup, applier_actor store,
                                      node_actor parent) {
  name_this_thread("troupe.raft");
  auto& st = self->state;
  // Ticks, heartbeats and votes ahead of the node's other work (see
  // thread_priority.hpp); without the privilege it runs as the rest.
  if (auto why = prioritize_this_thread(consensus_nice); !why.empty())
    caf::aout(self) << "raft: runs at the node's priority (cannot take nice "
                    << consensus_nice << ": " << why << ")" << std::endl;
  st.setup = std::move(setup);
  st.store = std::move(store);
  st.parent = std::move(parent);
  raft::config cfg;
  cfg.id = st.setup.id;
  for (const auto& m : st.setup.managers)
    cfg.voters.push_back(m.name());
  cfg.election_ticks = st.setup.election_ticks;
  cfg.seed = std::hash<std::string>{}(st.setup.id) ^ static_cast<uint64_t>(unix_now_ms());
  auto snap = st.setup.storage->snapshot();
  if (snap.index() > st.setup.applied) {
    // The log was compacted past what the store has: start from the snapshot.
    pb::ClusterSnapshot state;
    state.ParseFromString(snap.data());
    state.set_index(snap.index());
    self->request(st.store, store_timeout, atom::restore_v, state)
      .then([](uint64_t) {}, [=](const caf::error& e) { self->quit(e); });
    st.setup.applied = snap.index();
  }
  cfg.applied = st.setup.applied;
  st.applied = st.setup.applied;
  std::string err;
  st.node = raft::raft_node::create(cfg, *st.setup.storage, &err);
  if (!st.node) {
    self->quit(caf::make_error(error_code::invalid_argument, err));
    return raft_actor::behavior_type::make_empty_behavior();
  }
  // From here on raft.db belongs to the writer thread; it wakes us (flush)
  // whenever batches became durable.
  caf::actor_addr me = self->address();
  st.writer = std::make_unique<raft::raft_log_writer>(
    st.setup.storage, [me] {
      if (auto h = caf::actor_cast<caf::actor>(me))
        caf::anon_send(h, atom::flush_v);
    }, st.setup.threaded_writes);
  self->set_down_handler([=](const caf::down_msg& msg) {
    for (auto i = self->state.peers.begin(); i != self->state.peers.end(); ++i)
      if (i->second.address() == msg.source) {
        auto name = i->first;
        self->state.peers.erase(i);
        if (name == self->state.node->leader()) {
          for (auto& [ctx, p] : self->state.reads)
            p.deliver(caf::make_error(error_code::unavailable,
                                      "lost the connection to the leader; retry"));
          self->state.reads.clear();
        }
        self->delayed_send(self, reconnect_delay, atom::connect_v, name);
        return;
      }
  });
  for (const auto& m : st.setup.managers)
    if (m.name() != st.setup.id)
      connect_peer(self, m.name());
  // Alone: lead at once instead of after a timeout (also when committed
  // entries above the store's checkpoint wait to be handed again).
  if (cfg.voters.size() == 1)
    for (int i = 0; i < 2 * cfg.election_ticks
                    && st.node->state() != raft::role::leader; ++i)
      st.node->tick();
  drain(self);
  self->send(self, atom::tick_v);
  return {
    [=](atom::propose, pb::Entry entry) { return propose(self, std::move(entry)); },
    [=](atom::read) { return read(self); },
    [=](atom::raft, const pb::RaftMessage& m) {
      auto& st = self->state;
      st.node->step(m);
      if (!m.from().empty() && m.from() == st.node->leader())
        st.heard_leader_ms = unix_now_ms();
      drain_soon(self);
    },
    [=](atom::flush) {
      self->state.flush_pending = false;
      drain(self);
    },
    [=](atom::tick) {
      auto& st = self->state;
      st.node->tick();
      drain(self);
      if (!st.stop_waiters.empty()
          && ++st.stop_ticks > 2 * st.setup.election_ticks) {
        for (auto& p : st.stop_waiters)
          p.deliver(true);
        st.stop_waiters.clear();
      }
      self->delayed_send(self, std::chrono::milliseconds(st.setup.tick_ms),
                         atom::tick_v);
    },
    [=](atom::connect, const std::string& name) { connect_peer(self, name); },
    [=](atom::status) { return cluster_status(self); },
    [=](atom::leader) -> caf::result<bool, gateway_actor> {
      auto& st = self->state;
      if (st.node->state() == raft::role::leader)
        return {true, gateway_actor{}};
      auto peer = st.peers.find(st.node->leader());
      if (peer == st.peers.end())
        return caf::make_error(error_code::unavailable,
                               "no leader is reachable from this manager");
      return {false, peer->second};
    },
    [=](atom::compact, uint64_t index, std::string data) {
      self->state.node->compact(index, std::move(data));
      drain(self);
    },
    [=](atom::shutdown) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      graceful_stop(self, promise);
      return promise;
    },
  };
}

} // namespace troupe
