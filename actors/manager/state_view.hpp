// state_view: what the store hands the readers of its process (service
// actors, scheduler, dispatcher, mesh, events, API) instead of a copy of the
// state: an O(1) copy of its cluster_state at one index. cluster_state is
// structurally shared (persistent maps of shared immutable objects), so a
// view costs a few shared pointers, and entries applied after it never
// change what its holder sees. A view never leaves its process; the CAF
// adapter below writes it as a ClusterSnapshot only because CAF needs every
// message type to be serializable.
#pragma once

#include <string>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include "actors/manager/core/cluster_state.hpp"

namespace troupe {

using state_view = cluster_state;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_state& x) {
  std::string bytes;
  if constexpr (Inspector::reads_state) {
    x.snapshot().SerializeToString(&bytes);
    return f(caf::meta::type_name("troupe.state_view"), bytes);
  } else {
    auto parse = caf::meta::load_callback([&]() -> caf::error {
      pb::ClusterSnapshot snap;
      if (!snap.ParseFromString(bytes))
        return caf::make_error(caf::sec::invalid_argument,
                               "malformed state view");
      x.restore(snap);
      return caf::none;
    });
    return f(caf::meta::type_name("troupe.state_view"), bytes, parse);
  }
}

/// Keys of what a batch of entries touched (for the checkpoint writer).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, touched_keys& x) {
  return f(caf::meta::type_name("troupe.touched_keys"), x.stacks, x.services,
           x.tasks, x.nodes, x.volumes);
}

} // namespace troupe
