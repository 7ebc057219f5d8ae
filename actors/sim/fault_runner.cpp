#include "actors/sim/fault_runner.hpp"

#include <algorithm>

#include <caf/send.hpp>

namespace troupe::sim {

fault_runner::fault_runner(sim_members& members, uint64_t seed)
  : members_(members),
    rng_(seed ^ 0xfa0175ULL),
    dead_(members.workers.size(), false),
    cut_off_(members.workers.size(), false),
    manager_dead_(members.managers.size(), false) {}

std::vector<size_t> fault_runner::pick(uint64_t n) {
  std::vector<size_t> candidates;
  for (size_t i = 0; i < members_.workers.size(); ++i)
    if (!dead_[i] && !cut_off_[i])
      candidates.push_back(i);
  n = std::min<uint64_t>(n, candidates.size());
  for (size_t i = 0; i < n; ++i)  // a partial Fisher-Yates shuffle
    std::swap(candidates[i], candidates[i + rng_.below(candidates.size() - i)]);
  candidates.resize(n);
  std::sort(candidates.begin(), candidates.end());
  return candidates;
}

std::string fault_runner::names_of(const std::vector<size_t>& picked) const {
  std::string out;
  for (size_t i = 0; i < picked.size() && i < 5; ++i)
    out += (i ? ", " : "") + members_.worker_names[picked[i]];
  if (picked.size() > 5)
    out += " and " + std::to_string(picked.size() - 5) + " more";
  return out;
}

std::string fault_runner::apply(const fault& f, clock::time_point now) {
  switch (f.kind) {
    case fault_kind::kill_workers: {
      auto picked = pick(f.count);
      if (picked.empty())
        return "kill-workers: no live worker is left to kill";
      for (auto i : picked) {
        dead_[i] = true;
        caf::anon_send_exit(members_.workers[i], caf::exit_reason::kill);
      }
      return "killed " + std::to_string(picked.size()) + " workers: " + names_of(picked);
    }
    case fault_kind::partition_workers: {
      auto picked = pick(f.count);
      if (picked.empty())
        return "partition-workers: every live worker is cut off already";
      for (auto i : picked) {
        cut_off_[i] = true;
        caf::anon_send(members_.workers[i], atom::pause_v, true);
      }
      partitions_.push_back({now + std::chrono::milliseconds(f.for_ms), picked});
      return "cut off " + std::to_string(picked.size()) + " workers for "
             + describe(f).substr(describe(f).rfind(' ') + 1) + ": " + names_of(picked);
    }
    case fault_kind::kill_leader: {
      int leader = members_.leader->load();
      if (leader < 0 || manager_dead_[static_cast<size_t>(leader)])
        return "kill-leader: no manager leads now";
      manager_dead_[static_cast<size_t>(leader)] = true;
      members_.leader->store(-1);
      caf::anon_send_exit(members_.managers[static_cast<size_t>(leader)],
                          caf::exit_reason::kill);
      return "killed the leader, manager " + members_.manager_names[static_cast<size_t>(leader)];
    }
  }
  return "";
}

std::vector<std::string> fault_runner::heal_due(clock::time_point now) {
  std::vector<std::string> lines;
  auto due = [&](const partition& p) { return p.heal_at <= now; };
  for (const auto& p : partitions_) {
    if (!due(p))
      continue;
    size_t healed = 0;
    for (auto i : p.workers) {
      cut_off_[i] = false;
      if (dead_[i])
        continue;
      caf::anon_send(members_.workers[i], atom::pause_v, false);
      ++healed;
    }
    lines.push_back("healed the partition of " + std::to_string(healed) + " workers: "
                    + names_of(p.workers));
  }
  partitions_.erase(std::remove_if(partitions_.begin(), partitions_.end(), due),
                    partitions_.end());
  return lines;
}

} // namespace troupe::sim
