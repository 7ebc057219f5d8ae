// The agent's open-file limit: raised to the hard limit (never lowered), and
// children started afterwards get the limit the agent began with. Each case
// runs in a death-test child, so this test process keeps its own limits.
#include <sys/resource.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "runtime/child_process.hpp"
#include "runtime/open_file_limit.hpp"
#include "tests/unit/runtime/test_util.hpp"

namespace troupe {
namespace {

rlimit current() {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  return lim;
}

/// Lowers the soft limit to `soft` (allowed without privileges).
bool lower_soft_limit(rlim_t soft) {
  rlimit lim = current();
  lim.rlim_cur = soft;
  return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

TEST(open_file_limit, the_soft_limit_is_raised_to_at_least_the_hard_one) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!lower_soft_limit(256))
          std::_Exit(2);
        rlim_t hard = current().rlim_max;
        auto r = raise_open_file_limit();
        bool reported = r.before_soft == 256 && r.before_hard == hard;
        bool raised = r.now >= hard && current().rlim_cur == r.now;
        bool explained = r.now >= r.wanted ? r.error.empty() : !r.error.empty();
        std::_Exit(reported && raised && explained ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(open_file_limit, a_limit_above_what_it_wants_is_not_lowered) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        rlim_t before = current().rlim_cur;
        auto r = raise_open_file_limit();
        std::_Exit(r.now >= before && current().rlim_cur >= before ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

/// Runs in the death-test child: 0 when `ulimit -n` in a child started after
/// the raise prints the limit the "agent" began with. Its folder is its own
/// (a "threadsafe" death test runs the test body again in the child, which
/// then _Exits: a folder made outside would never be removed).
int child_sees_the_starting_limit() {
  test::temp_dir dir;
  auto out = dir / "ulimit";
  if (!lower_soft_limit(300))
    return 2;
  rlim_t hard = current().rlim_max;
  raise_open_file_limit();
  set_children_open_file_limit(300, hard);
  child_options o;
  o.argv = {"/bin/sh", "-c", "ulimit -n"};
  o.env = {"PATH=/usr/bin:/bin"};
  o.stdout_path = out;
  int pid = 0;
  std::string error;
  if (!spawn_child(o, &pid, &error))
    return 3;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return test::slurp(out) == "300\n" && current().rlim_cur >= hard ? 0 : 1;
}

TEST(open_file_limit, children_get_the_limit_the_agent_started_with) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::_Exit(child_sees_the_starting_limit()),
              ::testing::ExitedWithCode(0), "");
}

} // namespace
} // namespace troupe
