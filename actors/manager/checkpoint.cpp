#include "actors/manager/checkpoint.hpp"

#include "messages/errors.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {

checkpoint_actor::behavior_type
checkpoint_writer(probed_pointer<checkpoint_actor, checkpoint_state> self,
                  std::shared_ptr<state_db> db) {
  name_this_thread("checkpoint");
  self->state.db = std::move(db);
  return {
    [=](atom::flush, const state_view& view, const touched_keys& keys,
        bool serialize) -> caf::result<std::string> {
      std::string err;
      if (!self->state.db->save(keys, view, &err))
        return caf::make_error(error_code::io_error,
                               "the state checkpoint could not be saved: " + err);
      observe::set_summary(self, "checkpoint at " + std::to_string(view.index()));
      if (!serialize)
        return std::string{};
      return view.snapshot().SerializeAsString();
    },
  };
}

} // namespace troupe
