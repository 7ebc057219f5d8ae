#include "actors/manager/store.hpp"

#include <algorithm>
#include <chrono>

#include "messages/errors.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<store_actor, store_state>;

void serve_reads(self_ptr self) {
  auto& st = self->state;
  auto end = st.waiting_reads.upper_bound(st.state.index());
  if (end == st.waiting_reads.begin())
    return;
  auto snap = st.state.snapshot();
  for (auto i = st.waiting_reads.begin(); i != end; ++i)
    i->second.deliver(snap);
  st.waiting_reads.erase(st.waiting_reads.begin(), end);
}

void maybe_snapshot(self_ptr self) {
  auto& st = self->state;
  if (!st.raft || st.state.index() - st.last_snapshot < st.snapshot_every)
    return;
  st.last_snapshot = st.state.index();
  self->send(st.raft, atom::compact_v, st.state.index(),
             st.state.snapshot().SerializeAsString());
}

/// Writes `touched` of the state durably; on failure reloads the disk state
/// and ends the store (its entry is not acknowledged).
bool persist(self_ptr self, const pb::Entry& entry, const touched_keys& touched) {
  auto& st = self->state;
  std::string err;
  if (st.db->save(entry, touched, st.state, &err))
    return true;
  st.state = cluster_state{};
  std::string reload_err;
  st.db->load(st.state, &reload_err);
  self->quit(caf::make_error(error_code::io_error,
                             "the state could not be saved: " + err));
  return false;
}

caf::result<uint64_t> apply_entry(self_ptr self, const pb::Entry& entry) {
  auto& st = self->state;
  if (entry.index() <= st.state.index())
    return st.state.index(); // applied before a restart
  auto touched = st.state.apply(entry);
  if (!persist(self, entry, touched))
    return caf::make_error(error_code::io_error, "the state could not be saved");
  for (auto& l : st.listeners)
    self->send(l, atom::committed_v, entry);
  serve_reads(self);
  maybe_snapshot(self);
  observe::set_summary(self, "applied " + std::to_string(entry.index()));
  return entry.index();
}

caf::result<uint64_t> restore(self_ptr self, const pb::ClusterSnapshot& snap) {
  auto& st = self->state;
  touched_keys all;
  auto collect = [&](const cluster_state& s) {
    for (const auto& [k, v] : s.stacks()) all.stacks.insert(k);
    for (const auto& [k, v] : s.services()) all.services.insert(k);
    for (const auto& [k, v] : s.tasks()) all.tasks.insert(k);
    for (const auto& [k, v] : s.nodes()) all.nodes.insert(k);
  };
  collect(st.state);
  st.state.restore(snap);
  collect(st.state);
  pb::Entry marker; // the log records where the snapshot was installed
  marker.set_index(snap.index());
  if (!persist(self, marker, all))
    return caf::make_error(error_code::io_error, "the snapshot could not be saved");
  st.last_snapshot = snap.index();
  serve_reads(self);
  return snap.index();
}

} // namespace

store_actor::behavior_type store(probed_pointer<store_actor, store_state> self,
                                 std::shared_ptr<state_db> db) {
  self->state.db = std::move(db);
  std::string err;
  if (!self->state.db->load(self->state.state, &err)) {
    self->quit(caf::make_error(error_code::io_error, err));
    return store_actor::behavior_type::make_empty_behavior();
  }
  self->state.last_snapshot = self->state.state.index();
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto& ls = self->state.listeners;
    ls.erase(std::remove_if(ls.begin(), ls.end(),
                            [&](const listener_actor& l) {
                              return l.address() == msg.source;
                            }),
             ls.end());
  });
  return {
    [=](atom::propose, pb::Entry entry) -> caf::result<uint64_t> {
      if (!self->state.raft)
        return caf::make_error(error_code::unavailable,
                               "the manager is still starting");
      return self->delegate(self->state.raft, atom::propose_v, std::move(entry));
    },
    [=](atom::apply, const pb::Entry& entry) { return apply_entry(self, entry); },
    [=](atom::restore, const pb::ClusterSnapshot& snap) {
      return restore(self, snap);
    },
    [=](atom::snapshot) { return self->state.state.snapshot(); },
    [=](atom::snapshot, uint64_t min_index) -> caf::result<pb::ClusterSnapshot> {
      if (self->state.state.index() >= min_index)
        return self->state.state.snapshot();
      auto promise = self->make_response_promise<pb::ClusterSnapshot>();
      self->state.waiting_reads.emplace(min_index, promise);
      return promise;
    },
    [=](atom::subscribe, listener_actor listener) {
      self->monitor(listener);
      self->state.listeners.push_back(std::move(listener));
    },
    [=](atom::raft, raft_actor raft) { self->state.raft = std::move(raft); },
  };
}

} // namespace troupe
