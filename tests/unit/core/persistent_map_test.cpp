// persistent_map: a sorted map whose versions share structure. Checked
// against std::map under a seeded random workload, plus the promises the
// store relies on: old versions stay unchanged, updates cost O(log n).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "actors/manager/core/persistent_map.hpp"

using namespace troupe;

namespace {

std::map<std::string, int> as_std(const persistent_map<int>& m) {
  std::map<std::string, int> out;
  for (const auto& [k, v] : m)
    out.emplace(k, v);
  return out;
}

} // namespace

TEST(persistent_map, matches_std_map_under_random_updates) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    persistent_map<int> m;
    std::map<std::string, int> expect;
    for (int i = 0; i < 2000; ++i) {
      auto key = "k" + std::to_string(rng() % 300);
      if (rng() % 3 == 0) {
        EXPECT_EQ(m.erase(key), expect.erase(key) == 1);
      } else {
        int v = static_cast<int>(rng() % 1000);
        m.set(key, v);
        expect[key] = v;
      }
    }
    ASSERT_EQ(m.size(), expect.size()) << "seed " << seed;
    ASSERT_EQ(as_std(m), expect) << "seed " << seed;
    for (const auto& [k, v] : expect) {
      ASSERT_NE(m.get(k), nullptr);
      EXPECT_EQ(*m.get(k), v);
      EXPECT_EQ(m.find(k)->second, v);
    }
    EXPECT_EQ(m.get("absent"), nullptr);
    EXPECT_TRUE(m.find("absent") == m.end());
  }
}

TEST(persistent_map, lower_bound_walks_in_order_from_the_key) {
  persistent_map<int> m;
  for (int i = 0; i < 100; i += 2)
    m.set(std::string(1, static_cast<char>('0' + i / 10)) + std::to_string(i % 10), i);
  std::vector<int> seen;
  for (auto it = m.lower_bound("31"); it != m.end() && it->first < "5"; ++it)
    seen.push_back(it->second);
  EXPECT_EQ(seen, (std::vector<int>{32, 34, 36, 38, 40, 42, 44, 46, 48}));
  EXPECT_TRUE(m.lower_bound("z") == m.end());
  EXPECT_EQ(m.lower_bound("")->second, 0);
}

TEST(persistent_map, an_old_version_is_unchanged_by_later_updates) {
  persistent_map<int> m;
  for (int i = 0; i < 1000; ++i)
    m.set("k" + std::to_string(i), i);
  auto old = m;           // O(1): shares every node
  auto it = old.begin();  // an iterator over the old version
  m.set("k5", -5);
  m.erase("k7");
  m.set("new", 1);
  EXPECT_EQ(*old.get("k5"), 5);
  EXPECT_NE(old.get("k7"), nullptr);
  EXPECT_EQ(old.get("new"), nullptr);
  EXPECT_EQ(old.size(), 1000u);
  EXPECT_EQ(*m.get("k5"), -5);
  EXPECT_EQ(m.get("k7"), nullptr);
  EXPECT_EQ(m.size(), 1000u);
  m = persistent_map<int>{};  // even once the newer version is gone
  size_t n = 0;
  for (; it != old.end(); ++it)
    ++n;
  EXPECT_EQ(n, 1000u);
}

TEST(persistent_map, an_update_copies_a_logarithmic_path) {
  persistent_map<int> m;
  const int n = 100000;
  for (int i = 0; i < n; ++i)
    m.set("task-" + std::to_string(i), i);
  auto& w = map_work::counter();
  auto before = w;
  m.set("task-50000", 1);
  // An AVL tree of 100,000 keys is at most ~1.44 log2(n) ≈ 24 deep; a
  // rebalance adds a few nodes.
  EXPECT_LE(w.copied - before.copied, 40u);
  EXPECT_LE(w.visited - before.visited, 40u);
  before = w;
  m.erase("task-123");
  EXPECT_LE(w.copied - before.copied, 80u);
  EXPECT_LE(w.visited - before.visited, 80u);
}
