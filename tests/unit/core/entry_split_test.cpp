// Splitting large proposals into bounded entries (entry_split.hpp).
#include <gtest/gtest.h>

#include "actors/manager/core/entry_split.hpp"

namespace troupe {
namespace {

pb::Entry entry_of(int tasks, size_t spec_bytes) {
  pb::Entry e;
  for (int i = 0; i < tasks; ++i) {
    auto t = e.add_changes()->mutable_create_task();
    t->set_id("web." + std::to_string(i));
    t->mutable_spec()->add_command(std::string(spec_bytes, 'x'));
  }
  return e;
}

std::vector<std::string> ids(const std::vector<pb::Entry>& parts) {
  std::vector<std::string> out;
  for (const auto& p : parts)
    for (const auto& c : p.changes())
      out.push_back(c.create_task().id());
  return out;
}

TEST(entry_split, an_entry_within_the_bound_stays_whole) {
  auto e = entry_of(10, 100);
  auto parts = split_entry(e, 1 << 20);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].SerializeAsString(), e.SerializeAsString());
}

TEST(entry_split, a_large_entry_becomes_bounded_parts_in_order) {
  auto e = entry_of(1000, 1000); // ~1 MB
  auto want = ids({e});
  auto parts = split_entry(e, 64 * 1024);
  EXPECT_GE(parts.size(), 15u);
  for (const auto& p : parts) {
    EXPECT_GT(p.changes_size(), 0);
    size_t bytes = 0;
    for (const auto& c : p.changes())
      bytes += c.ByteSizeLong();
    EXPECT_LE(bytes, 64u * 1024);
  }
  EXPECT_EQ(ids(parts), want);
}

TEST(entry_split, a_change_larger_than_the_bound_goes_alone) {
  auto e = entry_of(3, 10);
  e.add_changes()->mutable_create_task()->mutable_spec()->add_command(
    std::string(5000, 'y'));
  *e.add_changes() = entry_of(1, 10).changes(0);
  auto parts = split_entry(e, 1000);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].changes_size(), 3);
  EXPECT_EQ(parts[1].changes_size(), 1);
  EXPECT_EQ(parts[2].changes_size(), 1);
}

} // namespace
} // namespace troupe
