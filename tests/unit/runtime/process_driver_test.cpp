#include <atomic>
#include <csignal>
#include <cstdlib>
#include <gtest/gtest.h>

#include "runtime/cgroups.hpp"
#include "runtime/process_driver.hpp"
#include "runtime/shim.hpp"
#include "runtime/shim_client.hpp"
#include "runtime/wall_clock.hpp"
#include "tests/unit/runtime/test_util.hpp"

using namespace troupe;
using troupe::test::log_text;
using troupe::test::slurp;
using troupe::test::temp_dir;
using troupe::test::wait_exit;
using troupe::test::wait_until;

namespace {

class process_driver_test : public ::testing::Test {
protected:
  container_spec spec(std::vector<std::string> command) {
    container_spec s;
    s.id = "t" + std::to_string(++counter_) + "-" + std::to_string(::getpid());
    s.command = std::move(command);
    s.task_dir = dir_ / ("task" + std::to_string(counter_));
    s.stdout_path = dir_ / "logs/stdout.log";
    s.stderr_path = dir_ / "logs/stderr.log";
    return s;
  }

  container_handle start(const container_spec& s) {
    container_handle h;
    std::string error;
    EXPECT_TRUE(driver_.start(s, &h, &error)) << error;
    started_.push_back(h);
    return h;
  }

  void TearDown() override {
    for (auto& h : started_) {
      driver_.signal(h, SIGKILL);
      driver_.cleanup(h);
    }
  }

  temp_dir dir_;
  process_driver driver_{driver_options{}};
  std::vector<container_handle> started_;
  int counter_ = 0;
};

bool process_gone(int pid) {
  auto stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return stat.empty() || (close != std::string::npos && stat[close + 2] == 'Z');
}

TEST_F(process_driver_test, writes_stdout_stderr_and_reports_exit_code) {
  auto s = spec({"sh", "-c", "echo out; echo err >&2; exit 3"});
  auto h = start(s);
  auto status = wait_exit(driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 3);
  EXPECT_EQ(status->message, "exited with code 3");
  EXPECT_EQ(log_text(s.stdout_path), "out\n");
  EXPECT_EQ(log_text(s.stderr_path), "err\n");
}

// The shim stamps each line with the time it read it; a line written in
// pieces is one line; a partial line is written once it was held 1 s.
TEST_F(process_driver_test, stamps_each_line_with_the_time_it_was_written) {
  auto before = troupe::unix_now_ms();
  auto s = spec({"sh", "-c", "printf 'one '; printf 'line\\n'; echo two; printf 'prompt> '; "
                             "sleep 2; echo done"});
  auto status = wait_exit(driver_, start(s));
  ASSERT_TRUE(status);
  auto after = troupe::unix_now_ms();
  std::vector<std::pair<int64_t, std::string>> lines;
  std::ifstream in(s.stdout_path);
  for (std::string line; std::getline(in, line);) {
    auto v = troupe::split_log_line(line);
    lines.emplace_back(v.time_ns / 1000000, std::string(v.text));
  }
  ASSERT_EQ(lines.size(), 4u) << slurp(s.stdout_path);
  EXPECT_EQ(lines[0].second, "one line");
  EXPECT_EQ(lines[1].second, "two");
  EXPECT_EQ(lines[2].second, "prompt> ") << "held 1 s, then written as a line";
  EXPECT_EQ(lines[3].second, "done");
  for (const auto& [ms, text] : lines) {
    EXPECT_GE(ms, before - 1) << text;
    EXPECT_LE(ms, after + 1) << text;
  }
  EXPECT_GE(lines[3].first - lines[0].first, 1500) << "the stamp is when it was written";
}

TEST_F(process_driver_test, appends_to_existing_logs) {
  auto s = spec({"echo", "second"});
  ASSERT_TRUE(wait_exit(driver_, start(s)));
  auto s2 = s;
  s2.id += "b";
  ASSERT_TRUE(wait_exit(driver_, start(s2)));
  EXPECT_EQ(log_text(s.stdout_path), "second\nsecond\n");
}

TEST_F(process_driver_test, passes_exactly_the_given_environment) {
  ::setenv("TROUPE_AGENT_ONLY", "leak", 1);
  auto s = spec({"sh", "-c", "echo \"$FOO\"; env"});
  s.env = {{"FOO", "bar baz"}, {"OTHER", "1"}};
  auto status = wait_exit(driver_, start(s));
  ::unsetenv("TROUPE_AGENT_ONLY");
  ASSERT_TRUE(status);
  auto out = log_text(s.stdout_path);
  EXPECT_EQ(out.substr(0, 8), "bar baz\n");
  EXPECT_NE(out.find("OTHER=1\n"), std::string::npos);
  EXPECT_NE(out.find("PATH="), std::string::npos) << "agent PATH added";
  EXPECT_EQ(out.find("TROUPE_AGENT_ONLY"), std::string::npos) << out;
}

TEST_F(process_driver_test, runs_in_task_dir_created_when_missing) {
  auto s = spec({"pwd"});
  s.task_dir = dir_ / "deep/task/dir";
  ASSERT_TRUE(wait_exit(driver_, start(s)));
  EXPECT_EQ(log_text(s.stdout_path), s.task_dir + "\n");
}

TEST_F(process_driver_test, missing_binary_fails_start_with_its_name) {
  auto s = spec({"no-such-binary-troupe"});
  container_handle h;
  std::string error;
  EXPECT_FALSE(driver_.start(s, &h, &error));
  EXPECT_EQ(error, "cannot run 'no-such-binary-troupe': No such file or directory");
}

TEST_F(process_driver_test, missing_working_dir_fails_start) {
  auto s = spec({"true"});
  s.working_dir = dir_ / "nowhere";
  container_handle h;
  std::string error;
  EXPECT_FALSE(driver_.start(s, &h, &error));
  EXPECT_NE(error.find("working directory"), std::string::npos) << error;
}

TEST_F(process_driver_test, sigterm_ends_sleep_with_143) {
  auto h = start(spec({"sleep", "100"}));
  EXPECT_FALSE(driver_.poll(h));
  driver_.signal(h, SIGTERM);
  auto status = wait_exit(driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGTERM);
  EXPECT_EQ(status->message, "killed by SIGTERM");
}

TEST_F(process_driver_test, process_ignoring_sigterm_dies_on_sigkill) {
  auto s = spec({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"});
  auto h = start(s);
  ASSERT_TRUE(wait_until([&] { return log_text(s.stdout_path) == "ready\n"; }));
  driver_.signal(h, SIGTERM);
  EXPECT_FALSE(wait_exit(driver_, h, std::chrono::milliseconds(300)));
  driver_.signal(h, SIGKILL);
  auto status = wait_exit(driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGKILL);
  EXPECT_EQ(status->message, "killed by SIGKILL");
}

TEST_F(process_driver_test, signal_reaches_grandchildren) {
  auto s = spec({"sh", "-c", "sleep 100 & echo $! > child.pid; wait"});
  auto h = start(s);
  auto pid_file = s.task_dir + "/child.pid";
  ASSERT_TRUE(wait_until([&] { return slurp(pid_file).size() > 1; }));
  int grandchild = std::stoi(slurp(pid_file));
  driver_.signal(h, SIGTERM);
  ASSERT_TRUE(wait_exit(driver_, h));
  EXPECT_TRUE(wait_until([&] { return process_gone(grandchild); }));
}

TEST_F(process_driver_test, limits_go_to_the_cgroup) {
  if (!driver_.limits_supported())
    GTEST_SKIP() << "this host has no writable cgroup hierarchy";
  auto s = spec({"sleep", "100"});
  s.memory_bytes = 64 << 20;
  s.cpus = 0.5;
  auto h = start(s);
  auto host = cgroup_host::probe();
  auto dirs = driver_.cgroup_dirs(h);
  ASSERT_FALSE(dirs.empty());
  auto pid = std::to_string(h.pid);
  if (host.version == 1) {
    EXPECT_EQ(read_small_file(dirs[0] + "/memory.limit_in_bytes"), "67108864");
    if (dirs.size() > 1)
      EXPECT_EQ(read_small_file(dirs[1] + "/cpu.cfs_quota_us"), "50000");
  } else {
    EXPECT_EQ(read_small_file(dirs[0] + "/memory.max"), "67108864");
    EXPECT_EQ(read_small_file(dirs[0] + "/cpu.max"), "50000 100000");
  }
  EXPECT_EQ(read_small_file(dirs[0] + "/cgroup.procs"), pid);
  driver_.signal(h, SIGKILL);
  ASSERT_TRUE(wait_exit(driver_, h));
  driver_.cleanup(h);
  started_.clear();
  for (auto& d : dirs)
    EXPECT_FALSE(std::filesystem::exists(d)) << d;
}

TEST_F(process_driver_test, notify_exit_tells_of_the_exit_without_polling) {
  auto h = start(spec({"sleep", "100"}));
  std::atomic<int> calls{0};
  ASSERT_TRUE(driver_.notify_exit(h, [&] { ++calls; }));
  driver_.signal(h, SIGTERM);
  ASSERT_TRUE(wait_until([&] { return calls.load() > 0; }))
    << "no exit notification";
  auto status = driver_.poll(h);
  ASSERT_TRUE(status) << "notified before the exit could be read";
  EXPECT_EQ(status->exit_code, 128 + SIGTERM);
  // Watching a container that has exited already answers at once.
  std::atomic<int> late{0};
  ASSERT_TRUE(driver_.notify_exit(h, [&] { ++late; }));
  EXPECT_EQ(late.load(), 1);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(process_driver_test, an_oom_kill_says_out_of_memory_with_the_limit) {
  if (!driver_.limits_supported())
    GTEST_SKIP() << "this host has no writable cgroup hierarchy";
  // The shell holds 200 MB of 'a' in a variable: over a 32MiB limit.
  auto s = spec({"sh", "-c",
                 "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}"});
  s.memory_bytes = 32 << 20;
  auto h = start(s);
  auto status = wait_exit(driver_, h, std::chrono::seconds(30));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGKILL);
  EXPECT_EQ(status->message, "killed: out of memory (limit 32MiB)");
}

// The shim owns the task: a driver that did not start it (a new agent)
// re-attaches by the handle alone, and sees its exit through the shim.
TEST_F(process_driver_test, a_second_driver_reattaches_to_a_running_task) {
  auto h = start(spec({"sleep", "100"}));
  ASSERT_FALSE(h.dir.empty()) << "started without a shim";
  process_driver other{driver_options{}};
  EXPECT_FALSE(other.poll(h)) << "a running task reads as ended";
  std::atomic<int> calls{0};
  ASSERT_TRUE(other.notify_exit(h, [&] { ++calls; }));
  other.signal(h, SIGTERM);
  ASSERT_TRUE(wait_until([&] { return calls.load() > 0; })) << "no exit notification";
  auto status = other.poll(h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGTERM);
  EXPECT_EQ(status->message, "killed by SIGTERM");
  EXPECT_GT(status->ended_ms, 0);
  other.cleanup(h);
  EXPECT_TRUE(wait_until([&] { return connect_shim(h.dir) < 0; })) << "the shim lingers";
  EXPECT_FALSE(read_exit_record(h.dir)) << "the exit record outlives the cleanup";
  started_.clear();
}

TEST_F(process_driver_test, an_exit_nobody_watched_is_read_from_the_shims_record) {
  auto h = start(spec({"sh", "-c", "exit 7"}));
  ASSERT_TRUE(wait_until([&] { return read_exit_record(h.dir).has_value(); }));
  EXPECT_EQ(read_exit_record(h.dir)->exit_code, 7);
  process_driver other{driver_options{}};
  auto status = other.poll(h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 7);
  other.cleanup(h);
  started_.clear();
}

TEST_F(process_driver_test, a_killed_shim_takes_its_task_down_and_says_so) {
  auto h = start(spec({"sleep", "100"}));
  std::string reply;
  ASSERT_TRUE(shim_call(h.dir, "status", &reply));
  ASSERT_EQ(reply.rfind("running " + std::to_string(h.pid) + " ", 0), 0u) << reply;
  // the shim's pid: the parent of the task ("pid (comm) S PPID")
  auto stat = slurp("/proc/" + std::to_string(h.pid) + "/stat");
  int shim = std::atoi(stat.c_str() + stat.rfind(')') + 4);
  ASSERT_GT(shim, 1);
  ASSERT_NE(shim, ::getpid()) << "the task is the driver's own child";
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  auto status = wait_exit(driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->message, "killed: its shim ended unexpectedly");
  EXPECT_TRUE(wait_until([&] { return process_gone(h.pid); })) << "the task still runs";
}

TEST(shim_protocol_test, exit_lines_round_trip_and_bad_ones_are_refused) {
  exit_status s{137, "killed by SIGKILL", 1700000000123};
  auto line = format_exit_line(s);
  EXPECT_EQ(line, "exited 137 1700000000123 killed by SIGKILL");
  auto back = parse_exit_line(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->exit_code, 137);
  EXPECT_EQ(back->ended_ms, 1700000000123);
  EXPECT_EQ(back->message, "killed by SIGKILL");
  for (const char* bad : {"", "exited", "exited x 1 m", "exited 300 1 m", "running 5 6",
                          "exited 1 -5 m"})
    EXPECT_FALSE(parse_exit_line(bad)) << bad;
}

TEST(make_driver_test, unknown_driver_is_refused_with_a_sentence) {
  std::string error;
  EXPECT_EQ(make_driver("docker", driver_options{}, &error), nullptr);
  EXPECT_EQ(error, "unknown container driver 'docker' (use process, oci or sim)");
  auto d = make_driver("process", driver_options{}, &error);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name(), "process");
}

} // namespace
