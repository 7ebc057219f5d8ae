// Actor introspection probes. Every troupe actor is spawned as a probed actor:
// its behaviour function takes `probed_pointer<Handle, State> self` instead of
// `Handle::stateful_pointer<State> self`. The probe counts enqueued and
// processed messages, times each handler, remembers the types of the last few
// messages, feeds an active trace, and records the actor's parent (the actor
// that spawned it) in the node's registry (registry.hpp). Without a registry
// (an actor_system not built on observed_config) every probe is a no-op.
//
// An actor describes itself and keeps its one-line state current with:
//   observe::describe(self, observe::actor_kind::load_balancer, "lb web:8080");
//   observe::set_summary(self, "3 backends, 12 connections");
// and records the links and monitors it sets up (CAF does not expose them):
//   observe::note_link(self, other);  observe::note_monitor(self, other);
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <caf/actor_config.hpp>
#include <caf/actor_system.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/observe/registry.hpp"

namespace troupe::observe {

/// The id of the probed actor running on this thread (0 = none): the parent
/// of any actor spawned meanwhile.
inline thread_local uint64_t current_actor = 0;

/// Sets current_actor for a scope.
class current_scope {
public:
  explicit current_scope(uint64_t id) : prev_(current_actor) {
    current_actor = id;
  }
  ~current_scope() { current_actor = prev_; }
  current_scope(const current_scope&) = delete;
  current_scope& operator=(const current_scope&) = delete;

private:
  uint64_t prev_;
};

/// The registry of `sys` (shared), or null.
std::shared_ptr<registry> shared_registry_of(const caf::actor_system& sys);

/// Names `e` (unless the actor did) and removes it from `reg` when `self`
/// ends.
void enroll(const std::shared_ptr<registry>& reg,
            const std::shared_ptr<actor_entry>& e, caf::abstract_actor* self,
            const char* default_name);

template <class Base>
class probed : public Base {
public:
  template <class... Ts>
  explicit probed(caf::actor_config& cfg, Ts&&... xs)
    : Base(cfg, std::forward<Ts>(xs)...) {
    registry_ = shared_registry_of(this->home_system());
    if (registry_) {
      entry_ = std::make_shared<actor_entry>();
      entry_->id = this->id();
      entry_->parent = current_actor;
      entry_->addr = this->address();
      // Listed at once, so a supervisor can set the restarts of the actor it
      // just spawned; named and watched for its end in initialize().
      registry_->add(entry_);
    }
  }

  using Base::enqueue;

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override {
    if (entry_)
      entry_->enqueued.fetch_add(1, std::memory_order_relaxed);
    Base::enqueue(std::move(ptr), eu);
  }

  void initialize() override {
    if (!entry_) {
      Base::initialize();
      return;
    }
    enroll(registry_, entry_, this, this->name());
    current_scope scope{entry_->id};
    Base::initialize();
  }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    if (!entry_)
      return Base::consume(x);
    if (entry_->tracing.load(std::memory_order_relaxed))
      entry_->trace_message(x, this->home_system());
    // The types of recent messages: every one of the first 16, then a
    // sample of one in four (reading a message's types costs ~10%).
    auto n = entry_->processed.load(std::memory_order_relaxed);
    if (n < 16 || (n & 3) == 0)
      entry_->record(x);
    current_scope scope{entry_->id};
    auto t0 = ticks();
    auto result = Base::consume(x);
    auto t1 = ticks();
    if (result != caf::invoke_message_result::skipped) {
      // Only this actor writes these two: no locked read-modify-write.
      auto& e = *entry_;
      e.processed.store(e.processed.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
      e.busy_ticks.store(e.busy_ticks.load(std::memory_order_relaxed) + (t1 - t0),
                         std::memory_order_relaxed);
    }
    return result;
  }

  /// This actor's registry entry, or null without a registry.
  actor_entry* observe_entry() const noexcept { return entry_.get(); }

private:
  std::shared_ptr<registry> registry_;
  std::shared_ptr<actor_entry> entry_;
};

} // namespace troupe::observe

namespace troupe {

/// The `self` of a probed stateful actor of typed interface `Handle`.
template <class Handle, class State>
using probed_pointer
  = caf::stateful_actor<State, observe::probed<typename Handle::base>>*;

} // namespace troupe

namespace troupe::observe {

/// Sets the kind and name an actor is listed under.
template <class Self>
void describe(Self* self, actor_kind kind, std::string name) {
  if (auto* e = self->observe_entry()) {
    std::lock_guard<std::mutex> guard{e->mtx};
    e->kind = kind;
    e->name = std::move(name);
  }
}

/// Sets the actor's one-line state summary.
template <class Self>
void set_summary(Self* self, std::string summary) {
  if (auto* e = self->observe_entry()) {
    std::lock_guard<std::mutex> guard{e->mtx};
    e->summary = std::move(summary);
  }
}

/// Records a link from `self` to `other`.
template <class Self, class Handle>
void note_link(Self* self, const Handle& other) {
  if (auto* e = self->observe_entry(); e && other) {
    std::lock_guard<std::mutex> guard{e->mtx};
    e->links.push_back(other.id());
  }
}

/// Records that `self` monitors `other`.
template <class Self, class Handle>
void note_monitor(Self* self, const Handle& other) {
  if (auto* e = self->observe_entry(); e && other) {
    std::lock_guard<std::mutex> guard{e->mtx};
    e->monitors.push_back(other.id());
  }
}

/// A supervisor sets the restart count (and the error that caused the last
/// restart) on the entry of the actor `child` it (re)spawned.
void set_restarts(const caf::actor_system& sys, uint64_t child,
                  uint32_t restarts, const std::string& last_error);

} // namespace troupe::observe
