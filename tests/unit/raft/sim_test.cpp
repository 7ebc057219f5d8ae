// Seeded simulations of 3- and 5-member clusters under loss, delay,
// reordering, duplication, partitions, crashes and restarts. Each case runs
// many seeds; a failure names the seed to replay with sim::run.
#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "tests/unit/raft/sim_cluster.hpp"

namespace troupe::raft::sim {
namespace {

// 400 chaos rounds of one tick per member (40 election timeouts), then
// healing; 4,000 seeds in all keep test_raft within seconds.
options base(size_t members) {
  options o;
  o.members = members;
  o.chaos_rounds = 400;
  o.burst = 3;
  return o;
}

struct totals {
  size_t seeds = 0, rounds = 0, commits = 0, acked = 0, elections = 0,
         crashes = 0, installs = 0, reads = 0, folded = 0, lost = 0;
};

void run_seeds(const char* name, options opt, uint64_t first, uint64_t count) {
  totals t;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t s = first; s < first + count; ++s) {
    opt.seed = s;
    auto r = run(opt);
    ASSERT_EQ(r.violation, "") << name << " seed " << s;
    ++t.seeds;
    t.rounds += r.rounds;
    t.commits += r.commits;
    t.acked += r.acked;
    t.elections += r.elections;
    t.crashes += r.crashes;
    t.installs += r.snapshots_installed;
    t.reads += r.reads;
    t.folded += r.folded;
    t.lost += r.lost_batches;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - start).count();
  std::printf("[ sim      ] %s: %zu seeds, %zu rounds, %zu commits "
              "(%zu acknowledged), %zu leader terms, %zu crashes, %zu snapshot "
              "installs, %zu reads, %zu batches folded, %zu lost unsaved, "
              "%.1fs\n",
              name, t.seeds, t.rounds, t.commits, t.acked, t.elections,
              t.crashes, t.installs, t.reads, t.folded, t.lost, secs);
  EXPECT_GT(t.acked, t.seeds * 10); // the runs made real progress
  EXPECT_GT(t.installs, 0u);        // and exercised InstallSnapshot
  EXPECT_GT(t.reads, t.seeds);      // and linearizable reads
  if (opt.save_delay > 0) {         // and saves that lag behind the sends
    EXPECT_GT(t.folded, t.seeds);   // group commits
    EXPECT_GT(t.lost, t.seeds / 2); // crashes between send and fsync
  }
}

// Like the raft actor: pipelined saves (up to 3 rounds each, folded into
// group commits), a leader's appends sent before its own save, bursts of
// proposals and reads sharing batches, and crashes that lose unsaved ones.
options pipelined(size_t members) {
  options o = base(members);
  o.save_delay = 3;
  o.burst = 6;
  o.crash = 0.03;
  return o;
}

TEST(raft_sim, three_members_with_durable_storage) {
  options o = base(3);
  run_seeds("3 members, durable", o, 10000, 800);
}

TEST(raft_sim, five_members_with_durable_storage) {
  options o = base(5);
  run_seeds("5 members, durable", o, 20000, 600);
}

TEST(raft_sim, three_members_losing_unpersisted_batches) {
  options o = base(3);
  o.lose_unpersisted = true;
  o.crash = 0.03;
  run_seeds("3 members, lose unpersisted", o, 30000, 600);
}

TEST(raft_sim, five_members_losing_unpersisted_batches) {
  options o = base(5);
  o.lose_unpersisted = true;
  o.crash = 0.03;
  run_seeds("5 members, lose unpersisted", o, 40000, 500);
}

TEST(raft_sim, three_members_with_pipelined_saves_and_bursts) {
  run_seeds("3 members, pipelined", pipelined(3), 50000, 1000);
}

TEST(raft_sim, five_members_with_pipelined_saves_and_bursts) {
  run_seeds("5 members, pipelined", pipelined(5), 60000, 500);
}

TEST(raft_sim, same_seed_same_run) {
  options o = pipelined(3);
  o.seed = 42;
  auto a = run(o), b = run(o);
  EXPECT_EQ(a.commits, b.commits);
  EXPECT_EQ(a.rounds, b.rounds);
  EXPECT_EQ(a.elections, b.elections);
}

} // namespace
} // namespace troupe::raft::sim
