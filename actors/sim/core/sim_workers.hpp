// The simulated workers of `troupe sim`, drawn from a seed: names, resources
// and labels. Pure and reproducible bit for bit: the same (count, seed) gives
// the same records on every machine (a splitmix64 stream, no standard
// distribution, whose results differ between standard libraries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::sim {

/// A reproducible random stream (splitmix64).
class seeded_stream {
public:
  explicit seeded_stream(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// A number in [0, n) (n > 0).
  uint64_t below(uint64_t n) { return next() % n; }

private:
  uint64_t state_;
};

/// `count` worker records named sim-w00001... (as wide as count needs), each
/// ready and active with driver "sim": 2-32 cpus, 2-8 GiB per cpu, labels
/// zone (zone-a..e), rack (rack-01..20 in its zone), disk (ssd or hdd) and,
/// for one in twenty, gpu=true.
std::vector<pb::Node> sim_workers(size_t count, uint64_t seed);

} // namespace troupe::sim
