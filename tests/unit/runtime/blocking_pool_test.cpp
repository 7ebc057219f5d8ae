// blocking_pool: jobs run off the caller's thread, at most N at once, all of
// them before the pool is gone; exit_watcher: one thread tells of many exits.
#include <atomic>
#include <csignal>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "runtime/blocking_pool.hpp"
#include "runtime/child_process.hpp"
#include "runtime/exit_watcher.hpp"
#include "tests/unit/runtime/test_util.hpp"

using namespace troupe;
using troupe::test::wait_until;

TEST(blocking_pool, runs_every_job_with_at_most_n_at_once) {
  std::atomic<int> running{0}, most{0}, done{0};
  {
    blocking_pool pool(3);
    for (int i = 0; i < 40; ++i)
      pool.submit([&] {
        int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --running;
        ++done;
      });
  } // the destructor runs what is still queued
  EXPECT_EQ(done.load(), 40);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 2) << "jobs did not run concurrently";
}

TEST(blocking_pool, a_pool_of_zero_threads_runs_jobs_inline) {
  blocking_pool pool(0);
  auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  pool.submit([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, caller);
}

TEST(exit_watcher, tells_of_each_exit_once_and_leaves_reaping_to_the_owner) {
  exit_watcher watcher;
  std::vector<int> pids;
  for (int i = 0; i < 50; ++i) {
    child_options o;
    o.argv = {"sleep", i % 2 == 0 ? "0" : "100"};
    o.env = {"PATH=/usr/bin:/bin"};
    int pid = 0;
    std::string error;
    ASSERT_TRUE(spawn_child(o, &pid, &error)) << error;
    pids.push_back(pid);
  }
  std::atomic<int> calls{0};
  std::mutex mtx;
  std::set<int> ended;
  for (int pid : pids)
    ASSERT_TRUE(watcher.watch(pid, [&, pid] {
      std::lock_guard<std::mutex> g(mtx);
      ended.insert(pid);
      ++calls;
    }));
  ASSERT_TRUE(wait_until([&] { return calls.load() >= 25; }));
  for (size_t i = 1; i < pids.size(); i += 2)
    ::kill(pids[i], SIGKILL);
  ASSERT_TRUE(wait_until([&] { return calls.load() == 50; }));
  EXPECT_EQ(ended.size(), 50u);
  EXPECT_EQ(watcher.watched(), 0u);
  for (int pid : pids) { // still ours to reap
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  }
}
