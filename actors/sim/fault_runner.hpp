// Does the faults of `troupe sim` (core/fault_script.hpp) to the actors of
// the simulated cluster: kills workers (their agents end, as a crashed
// node's would: the dispatcher sees them go at once), cuts workers off from
// the managers and heals them later (agent atom::pause), kills the leading
// manager (its node actor ends with all its actors, as by kill -9). Which
// workers a fault hits is drawn from the seed: the same seed and the same
// faults in the same order hit the same workers. Used from one thread (the
// sim's main loop); the leader is set from the managers' node actors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/sim/core/fault_script.hpp"
#include "actors/sim/core/sim_workers.hpp"

namespace troupe::sim {

struct sim_members {
  std::vector<node_actor> managers;
  std::vector<std::string> manager_names;
  std::shared_ptr<std::atomic<int>> leader = std::make_shared<std::atomic<int>>(-1);
  std::vector<agent_actor> workers;
  std::vector<std::string> worker_names;
};

class fault_runner {
public:
  using clock = std::chrono::steady_clock;

  fault_runner(sim_members& members, uint64_t seed);

  /// Does `f` now; one line saying what was done (or why nothing was).
  std::string apply(const fault& f, clock::time_point now);

  /// Heals the partitions whose time is up; a line for each.
  std::vector<std::string> heal_due(clock::time_point now);

private:
  /// Up to `n` of the live workers not cut off, drawn from the seed.
  std::vector<size_t> pick(uint64_t n);
  std::string names_of(const std::vector<size_t>& picked) const;

  struct partition {
    clock::time_point heal_at;
    std::vector<size_t> workers;
  };
  sim_members& members_;
  seeded_stream rng_;
  std::vector<bool> dead_;
  std::vector<bool> cut_off_;
  std::vector<bool> manager_dead_;
  std::vector<partition> partitions_;
};

} // namespace troupe::sim
