// The introspection registry of one node process: one entry per live probed
// actor (see probe.hpp). The hot path (counting messages, timing them,
// remembering the types of the last few) touches only the entry's atomics;
// names, kinds, summaries, links and traces sit behind a per-entry mutex and
// change rarely. snapshot() copies everything into plain structs (no CAF) for
// the API; kill() ends a live actor with an error. Thread-safe throughout.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/mailbox_element.hpp>

#include "actors/observe/core/actor_kind.hpp"
#include "messages/troupe.pb.h"

namespace troupe::observe {

/// One recorded message signature: the types of its first two elements (an
/// atom is kept by value), its element count and its sender.
struct message_sig {
  std::atomic<uint16_t> nr0{0}, nr1{0};
  std::atomic<const std::type_info*> ti0{nullptr}, ti1{nullptr};
  std::atomic<uint64_t> atom{0};
  std::atomic<uint32_t> elements{0};
  std::atomic<uint64_t> sender{0};
};

/// A trace in progress on one entry (guarded by the entry's mutex).
struct trace_state {
  std::chrono::steady_clock::time_point until;
  uint32_t max_per_second = 100;
  int64_t window_second = -1;
  uint32_t in_window = 0;
  uint64_t dropped = 0;
  std::vector<pb::ActorTraceRecord> records;
};

class registry;

/// The registry's record of one actor. Counters are written by the actor
/// (processed, busy) and by senders (enqueued) without locks.
struct actor_entry {
  static constexpr size_t recent_slots = 8;

  uint64_t id = 0;
  uint64_t parent = 0;
  caf::actor_addr addr;  // weak: for kill
  // Written by senders: a cache line of its own, so they do not contend
  // with the actor's own counters.
  alignas(64) std::atomic<uint64_t> enqueued{0};
  // Written by the actor only (plain load + store, no locked add).
  alignas(64) std::atomic<uint64_t> processed{0};
  std::atomic<uint64_t> busy_ticks{0};  // see ticks_to_ns()
  std::atomic<uint32_t> restarts{0};
  std::atomic<uint64_t> recent_next{0};
  std::array<message_sig, recent_slots> recent;
  std::atomic<bool> tracing{false};
  int64_t started_ms = 0;

  mutable std::mutex mtx;  // guards everything below
  std::string name;
  actor_kind kind = actor_kind::other;
  std::string summary;
  std::string last_error;
  std::vector<uint64_t> links;
  std::vector<uint64_t> monitors;
  std::optional<trace_state> trace;

  /// Records one message (called by the actor before handling it).
  void record(const caf::mailbox_element& x);
  /// Appends a trace record for `x` if a trace is running (rate-limited).
  void trace_message(const caf::mailbox_element& x, const caf::actor_system& sys);
};

class registry {
public:
  /// Adds a live actor.
  void add(std::shared_ptr<actor_entry> e);
  /// Removes an actor that ended; an error reason is kept among the
  /// recently failed actors.
  void remove(uint64_t id, const caf::error& reason);
  std::shared_ptr<actor_entry> find(uint64_t id) const;
  /// Copies every live actor; `sys` names message types.
  std::vector<pb::ActorInfo> snapshot(const caf::actor_system& sys) const;
  /// Everything known of one actor (with recent messages), or nullopt.
  std::optional<pb::ActorInfo> inspect(uint64_t id, const caf::actor_system& sys) const;
  /// Actors that ended with an error lately (newest last, at most 50).
  std::vector<pb::ActorInfo> recently_failed() const;
  /// Starts a trace on `id`; false if no such actor.
  bool start_trace(uint64_t id, std::chrono::milliseconds duration,
                   uint32_t max_per_second);
  /// Ends the trace on `id` and returns what it saw (and the dropped count).
  std::vector<pb::ActorTraceRecord> stop_trace(uint64_t id, uint64_t* dropped);
  /// Ends `id` (exit reason kill), noting `reason` as its last error; an
  /// error sentence if it is not alive or is a core actor (killable()).
  std::string kill(uint64_t id, const std::string& reason);
  size_t size() const;
  /// The node this registry belongs to (shown by the console).
  void set_node(std::string name, std::string role);
  pb::ConsoleNode node() const;

private:
  std::string node_name_, node_role_;
  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, std::shared_ptr<actor_entry>> entries_;
  std::vector<pb::ActorInfo> failed_;
  friend struct actor_entry;
};

/// The node's actor_system_config, owning its registry. Probed actors of an
/// actor_system built on another config are not registered (probes no-op).
class observed_config : public caf::actor_system_config {
public:
  std::shared_ptr<registry> introspection = std::make_shared<registry>();
};

/// A cheap monotonic tick counter for timing handlers (the TSC on x86-64,
/// else steady_clock nanoseconds) and its conversion to nanoseconds.
inline uint64_t ticks() noexcept {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#else
  return static_cast<uint64_t>(
    std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}
uint64_t ticks_to_ns(uint64_t t);

/// The registry of `sys`, or null.
registry* registry_of(const caf::actor_system& sys);

/// Names the node of `sys`'s registry (no-op without one).
void set_node_identity(const caf::actor_system& sys, std::string name,
                       std::string role);

/// A message type's readable name ("put" for an atom, "troupe::pb::Task").
std::string type_name(const caf::actor_system& sys, uint16_t nr,
                      const std::type_info* ti, uint64_t atom);

} // namespace troupe::observe
