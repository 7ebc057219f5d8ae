// The round shared by the service, scheduler and dispatcher actors: take a
// view of the state from the store (state_view.hpp: O(1), never a copy),
// decide, propose what was decided (if anything; a large decision as several
// bounded entries, entry_split.hpp), then run once more if a trigger arrived
// meanwhile (see round_gate). The round ends when every part is answered.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_ostream.hpp>

#include "actors/interfaces.hpp"
#include "actors/manager/core/cluster_state.hpp"
#include "actors/manager/core/entry_split.hpp"
#include "actors/manager/round_gate.hpp"
#include "messages/errors.hpp"

namespace troupe {

constexpr auto store_request_timeout = std::chrono::seconds(30);

/// `decide(const cluster_state&)` returns the entry to propose (no changes =
/// nothing to do). `self->state` must have `store` and `gate` members.
template <class Self, class Decide>
void snapshot_round(Self self, std::string who, Decide decide) {
  if (!self->state.gate.try_begin())
    return;
  auto finish = [=] {
    if (self->state.gate.end())
      snapshot_round(self, who, decide);
  };
  auto report = [=](const std::string& what, const caf::error& err) {
    caf::aout(self) << who << ": " << what << ": " << error_message(err)
                    << std::endl;
    finish();
  };
  self->request(self->state.store, store_request_timeout, atom::snapshot_v)
    .then(
      [=](const state_view& view) mutable {
        pb::Entry entry = decide(view);
        if (entry.changes_size() == 0) {
          finish();
          return;
        }
        auto parts = split_entry(std::move(entry));
        auto left = std::make_shared<size_t>(parts.size());
        auto failed = std::make_shared<bool>(false);
        auto answered = [=](const caf::error* err) {
          if (err != nullptr && !*failed) {
            *failed = true; // one sentence per round, not one per part
            caf::aout(self) << who << ": proposal failed: "
                            << error_message(*err) << std::endl;
          }
          if (--*left == 0)
            finish();
        };
        for (auto& part : parts)
          self->request(self->state.store, store_request_timeout,
                        atom::propose_v, std::move(part))
            .then([=](uint64_t) { answered(nullptr); },
                  [=](const caf::error& err) { answered(&err); });
      },
      [=](const caf::error& err) { report("cannot read state", err); });
}

} // namespace troupe
