#include "actors/manager/store.hpp"

#include <algorithm>

#include "actors/manager/checkpoint.hpp"
#include "actors/manager/core/touched_merge.hpp"
#include "actors/manager/entry_filter.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<store_actor, store_state>;

// A checkpoint that takes longer means the disk is failing: the store ends.
constexpr auto checkpoint_timeout = std::chrono::minutes(2);

void serve_reads(self_ptr self) {
  auto& st = self->state;
  auto end = st.waiting_reads.upper_bound(st.state.index());
  for (auto i = st.waiting_reads.begin(); i != end; ++i)
    i->second.deliver(state_view{st.state});
  st.waiting_reads.erase(st.waiting_reads.begin(), end);
}

void schedule_checkpoint(self_ptr self);

/// Sends `entry` to the listeners of the services it touched (a task's
/// service found in the new state, or from its id once deleted), or to every
/// service listener when a node changed: work proportional to the entry.
void notify_services(self_ptr self, const pb::Entry& entry,
                     const touched_keys& touched) {
  auto& by_service = self->state.service_listeners;
  if (by_service.empty())
    return;
  auto send_to = [&](const std::vector<listener_actor>& ls) {
    for (auto& l : ls)
      self->send(l, atom::committed_v, entry);
  };
  if (!touched.nodes.empty()) {
    for (auto& [name, ls] : by_service)
      send_to(ls);
    return;
  }
  std::set<std::string> services = touched.services;
  for (const auto& id : touched.tasks) {
    const auto* t = self->state.state.find_task(id);
    services.insert(t ? t->service() : service_of_task(id));
  }
  for (const auto& name : services) {
    auto i = by_service.find(name);
    if (i != by_service.end())
      send_to(i->second);
  }
}

/// Hands what was applied since the last checkpoint to the writer, as one
/// transaction from the current view; one checkpoint runs at a time.
void checkpoint(self_ptr self) {
  auto& st = self->state;
  if (st.checkpointing || st.unsaved_entries == 0)
    return;
  st.checkpointing = true;
  bool compact = st.raft
                 && st.state.index() - st.last_snapshot >= st.options.snapshot_every;
  if (compact)
    st.last_snapshot = st.state.index();
  auto index = st.state.index();
  auto keys = std::move(st.unsaved);
  st.unsaved = touched_keys{};
  st.unsaved_entries = 0;
  self->request(st.checkpoint, checkpoint_timeout, atom::flush_v,
                state_view{st.state}, std::move(keys), compact)
    .then(
      [=](const std::string& snapshot) {
        auto& st = self->state;
        st.checkpointing = false;
        if (!snapshot.empty() && st.raft)
          self->send(st.raft, atom::compact_v, index, snapshot);
        observe::set_summary(self, "applied " + std::to_string(st.state.index())
                                     + ", checkpoint " + std::to_string(index));
        schedule_checkpoint(self);
      },
      [=](const caf::error& err) { self->quit(err); });
}

/// A full batch goes now; a smaller one after the interval.
void schedule_checkpoint(self_ptr self) {
  auto& st = self->state;
  if (st.checkpointing || st.unsaved_entries == 0)
    return;
  if (st.unsaved_entries >= st.options.checkpoint_batch) {
    checkpoint(self);
    return;
  }
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  self->delayed_send(self, st.options.checkpoint_interval, atom::flush_v);
}

caf::result<uint64_t> apply_entry(self_ptr self, const pb::Entry& entry) {
  auto& st = self->state;
  if (entry.index() <= st.state.index())
    return st.state.index(); // applied before a restart
  auto touched = st.state.apply(entry);
  for (auto& l : st.listeners)
    self->send(l, atom::committed_v, entry);
  for (auto& l : st.change_listeners)
    self->send(l, atom::committed_v, entry, touched);
  notify_services(self, entry, touched);
  merge(st.unsaved, touched);
  ++st.unsaved_entries;
  serve_reads(self);
  schedule_checkpoint(self);
  return entry.index();
}

void add_all_keys(touched_keys& keys, const cluster_state& s) {
  for (const auto& [k, v] : s.stacks()) keys.stacks.insert(k);
  for (const auto& [k, v] : s.services()) keys.services.insert(k);
  for (const auto& [k, v] : s.tasks()) keys.tasks.insert(k);
  for (const auto& [k, v] : s.nodes()) keys.nodes.insert(k);
  for (const auto& [k, v] : s.volumes()) keys.volumes.insert(k);
}

caf::result<uint64_t> restore(self_ptr self, const pb::ClusterSnapshot& snap) {
  auto& st = self->state;
  // The checkpoint must drop what the old state had and write all of the
  // new one (rare: a follower far behind, or a compacted log at start).
  touched_keys all;  // what changed: anything, as far as listeners know
  add_all_keys(all, st.state);
  st.state.restore(snap);
  add_all_keys(all, st.state);
  merge(st.unsaved, all);
  if (!st.change_listeners.empty()) {
    pb::Entry none;
    none.set_index(snap.index());
    for (auto& l : st.change_listeners)
      self->send(l, atom::committed_v, none, all);
  }
  ++st.unsaved_entries;
  st.last_snapshot = snap.index();
  serve_reads(self);
  checkpoint(self);
  return snap.index();
}

} // namespace

store_actor::behavior_type store(probed_pointer<store_actor, store_state> self,
                                 std::shared_ptr<state_db> db,
                                 store_options options) {
  auto& st = self->state;
  st.options = options;
  std::string err;
  if (!db->load(st.state, &err)) {
    self->quit(caf::make_error(error_code::io_error, err));
    return store_actor::behavior_type::make_empty_behavior();
  }
  st.last_snapshot = st.state.index();
  st.checkpoint = options.detached_checkpoint
                    ? self->spawn<caf::detached + caf::linked>(checkpoint_writer, db)
                    : self->spawn<caf::linked>(checkpoint_writer, db);
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto drop = [&](auto& ls) {
      ls.erase(std::remove_if(ls.begin(), ls.end(),
                              [&](const auto& l) {
                                return l.address() == msg.source;
                              }),
               ls.end());
    };
    drop(self->state.listeners);
    drop(self->state.change_listeners);
    auto& by_service = self->state.service_listeners;
    for (auto i = by_service.begin(); i != by_service.end();) {
      drop(i->second);
      i = i->second.empty() ? by_service.erase(i) : std::next(i);
    }
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
    [=](atom::snapshot) { return state_view{self->state.state}; },
    [=](atom::snapshot, uint64_t min_index) -> caf::result<state_view> {
      if (self->state.state.index() >= min_index)
        return state_view{self->state.state};
      auto promise = self->make_response_promise<state_view>();
      self->state.waiting_reads.emplace(min_index, promise);
      return promise;
    },
    [=](atom::subscribe, listener_actor listener) {
      self->monitor(listener);
      self->state.listeners.push_back(std::move(listener));
    },
    [=](atom::subscribe, listener_actor listener, const std::string& service) {
      self->monitor(listener);
      self->state.service_listeners[service].push_back(std::move(listener));
    },
    [=](atom::subscribe, change_listener_actor listener) {
      self->monitor(listener);
      self->state.change_listeners.push_back(std::move(listener));
    },
    [=](atom::raft, raft_actor raft) { self->state.raft = std::move(raft); },
    [=](atom::flush) {
      self->state.flush_scheduled = false;
      checkpoint(self);
    },
  };
}

} // namespace troupe
