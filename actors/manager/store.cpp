#include "actors/manager/store.hpp"

#include <algorithm>
#include <chrono>

#include <caf/event_based_actor.hpp>

#include "messages/errors.hpp"

namespace troupe {

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace

store_actor::behavior_type store(store_actor::stateful_pointer<store_state> self,
                                 std::shared_ptr<state_db> db) {
  self->state.db = std::move(db);
  std::string err;
  if (!self->state.db->load(self->state.state, &err)) {
    self->quit(caf::make_error(error_code::io_error, err));
    return store_actor::behavior_type::make_empty_behavior();
  }
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
      auto& st = self->state;
      entry.set_index(st.state.index() + 1);
      if (entry.timestamp() == 0)
        entry.set_timestamp(now_ms());
      auto touched = st.state.apply(entry);
      std::string err;
      if (!st.db->save(entry, touched, st.state, &err)) {
        // Memory ran ahead of the disk: go back to what is durable.
        st.state = cluster_state{};
        std::string reload_err;
        if (!st.db->load(st.state, &reload_err))
          self->quit(caf::make_error(error_code::io_error, reload_err));
        return caf::make_error(error_code::io_error,
                               "the change was not saved: " + err);
      }
      for (auto& l : st.listeners)
        self->send(l, atom::committed_v, entry);
      return entry.index();
    },
    [=](atom::snapshot) { return self->state.state.snapshot(); },
    [=](atom::subscribe, listener_actor listener) {
      self->monitor(listener);
      self->state.listeners.push_back(std::move(listener));
    },
  };
}

} // namespace troupe
