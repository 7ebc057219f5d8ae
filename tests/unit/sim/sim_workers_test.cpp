#include <gtest/gtest.h>

#include <map>
#include <set>

#include <google/protobuf/util/message_differencer.h>

#include "actors/sim/core/sim_workers.hpp"

namespace troupe::sim {
namespace {

bool same_record(const pb::Node& a, const pb::Node& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

TEST(sim_workers_test, the_same_seed_gives_the_same_workers) {
  auto a = sim_workers(500, 42);
  auto b = sim_workers(500, 42);
  ASSERT_EQ(a.size(), 500u);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(same_record(a[i], b[i])) << i;
  auto c = sim_workers(500, 43);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i)
    same += same_record(a[i], c[i]);
  EXPECT_LT(same, 100u) << "another seed draws other workers";
}

TEST(sim_workers_test, workers_are_named_in_order_and_can_run_sim_tasks) {
  auto w = sim_workers(12345, 1);
  EXPECT_EQ(w.front().name(), "sim-w00001");
  EXPECT_EQ(w.back().name(), "sim-w12345");
  std::set<std::string> names, addresses;
  for (const auto& n : w) {
    names.insert(n.name());
    addresses.insert(n.address());
    EXPECT_EQ(n.drivers(), "sim");
    EXPECT_EQ(n.state(), "ready");
    EXPECT_EQ(n.availability(), "active");
    EXPECT_GE(n.cpus(), 2);
    EXPECT_LE(n.cpus(), 32);
    EXPECT_GE(n.memory_bytes(), int64_t{n.cpus()} * 2 << 30);
    EXPECT_LE(n.memory_bytes(), int64_t{n.cpus()} * 8 << 30);
  }
  EXPECT_EQ(names.size(), w.size());
  EXPECT_EQ(addresses.size(), w.size());
  EXPECT_EQ(sim_workers(123456, 1).back().name(), "sim-w123456");
}

TEST(sim_workers_test, labels_spread_over_zones_racks_and_disks) {
  std::map<std::string, int> zones;
  int gpus = 0, hdd = 0;
  for (const auto& n : sim_workers(10000, 9)) {
    ++zones[n.labels().at("zone")];
    gpus += n.labels().count("gpu");
    hdd += n.labels().at("disk") == "hdd";
    EXPECT_EQ(n.labels().at("rack").size(), 7u);
  }
  ASSERT_EQ(zones.size(), 5u);
  for (const auto& [zone, count] : zones)
    EXPECT_NEAR(count, 2000, 200) << zone;
  EXPECT_NEAR(gpus, 500, 150);
  EXPECT_NEAR(hdd, 3333, 300);
}

} // namespace
} // namespace troupe::sim
