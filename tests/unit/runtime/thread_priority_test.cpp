// A consensus thread's nice value is its own: the thread that asks for
// consensus_nice gets it (when the process may lower nice values), and the
// other threads of the process keep theirs.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/thread_priority.hpp"

namespace troupe {
namespace {

int nice_of(long tid) {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
}

long this_tid() { return ::syscall(SYS_gettid); }

TEST(thread_priority, only_the_thread_that_asks_runs_at_consensus_nice) {
  int before = nice_of(this_tid());
  std::string why;
  int in_thread = 0;
  std::thread t([&] {
    why = prioritize_this_thread(consensus_nice);
    in_thread = nice_of(this_tid());
  });
  t.join();
  if (why.empty())
    EXPECT_EQ(in_thread, consensus_nice);
  else  // no CAP_SYS_NICE: the thread keeps the process's value and says so
    EXPECT_EQ(in_thread, before) << why;
  EXPECT_EQ(nice_of(this_tid()), before);
}

TEST(thread_priority, raising_a_nice_value_needs_no_privilege) {
  int before = nice_of(this_tid());
  std::string why = "not run";
  int in_thread = 0;
  std::thread t([&] {
    why = prioritize_this_thread(before + 1);
    in_thread = nice_of(this_tid());
  });
  t.join();
  EXPECT_EQ(why, "");
  EXPECT_EQ(in_thread, before + 1);
  EXPECT_EQ(nice_of(this_tid()), before);
}

} // namespace
} // namespace troupe
