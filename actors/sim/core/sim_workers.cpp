#include "actors/sim/core/sim_workers.hpp"

#include <string>

namespace troupe::sim {

uint64_t seeded_stream::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

std::string padded(size_t n, size_t width) {
  auto s = std::to_string(n);
  return std::string(s.size() < width ? width - s.size() : 0, '0') + s;
}

} // namespace

std::vector<pb::Node> sim_workers(size_t count, uint64_t seed) {
  static const int cpus[] = {2, 4, 4, 8, 8, 8, 16, 16, 32};
  static const int gib_per_cpu[] = {2, 4, 4, 8};
  static const char* zones[] = {"zone-a", "zone-b", "zone-c", "zone-d", "zone-e"};
  seeded_stream rng(seed);
  size_t width = std::max<size_t>(5, std::to_string(count).size());
  std::vector<pb::Node> out;
  out.reserve(count);
  for (size_t i = 1; i <= count; ++i) {
    pb::Node n;
    n.set_name("sim-w" + padded(i, width));
    n.set_role("worker");
    n.set_state("ready");
    n.set_availability("active");
    // Not an address of this host: a simulated task has no port to reach.
    n.set_address("10." + std::to_string((i >> 16) & 255) + "."
                  + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255));
    n.set_hostname("sim");
    n.set_drivers("sim");
    int c = cpus[rng.below(std::size(cpus))];
    n.set_cpus(c);
    n.set_memory_bytes(int64_t{c} * gib_per_cpu[rng.below(std::size(gib_per_cpu))]
                       << 30);
    n.set_port_min(20000);
    n.set_port_max(29999);
    auto& labels = *n.mutable_labels();
    labels["zone"] = zones[rng.below(std::size(zones))];
    labels["rack"] = "rack-" + padded(1 + rng.below(20), 2);
    labels["disk"] = rng.below(3) == 0 ? "hdd" : "ssd";
    if (rng.below(20) == 0)
      labels["gpu"] = "true";
    out.push_back(std::move(n));
  }
  return out;
}

} // namespace troupe::sim
