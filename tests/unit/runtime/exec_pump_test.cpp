#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <algorithm>
#include <functional>
#include <gtest/gtest.h>
#include <mutex>

#include "runtime/exec_pump.hpp"

using namespace troupe;

namespace {

/// Counts on_change calls, so a test can wait for news with a deadline.
struct news {
  std::mutex m;
  std::condition_variable cv;

  std::function<void()> callback() {
    return [this] {
      std::lock_guard<std::mutex> guard(m);
      cv.notify_all();
    };
  }
};

struct collected {
  std::string output, errors;
  bool exited = false;
  int exit_code = 0;
  int takes = 0;  // take() calls that returned output
};

/// Takes from the pump (max_bytes a time) until it has exited or `enough`
/// holds, for at most 10 s.
collected collect(exec_pump& pump, news& n, size_t max_bytes = SIZE_MAX,
                  std::function<bool(const collected&)> enough = nullptr) {
  collected all;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::unique_lock<std::mutex> lock(n.m);
  while (!all.exited && !(enough && enough(all))) {
    if (!n.cv.wait_until(lock, deadline, [&] { return pump.has_news(); }))
      break;  // deadline
    auto got = pump.take(max_bytes);
    all.takes += !got.output.empty() || !got.errors.empty();
    all.output += got.output;
    all.errors += got.errors;
    all.exited = got.exited;
    all.exit_code = got.exit_code;
  }
  return all;
}

exec_command command(std::vector<std::string> argv) {
  exec_command c;
  c.argv = std::move(argv);
  c.env = {"PATH=/usr/bin:/bin"};
  return c;
}

std::unique_ptr<exec_pump> start(const exec_command& c, news& n) {
  std::string error;
  auto pump = exec_pump::start(c, n.callback(), &error);
  EXPECT_TRUE(pump) << error;
  return pump;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(exec_pump, separates_stdout_and_stderr_and_reports_exit_code) {
  news n;
  auto pump = start(command({"sh", "-c", "echo out; echo err >&2; exit 3"}), n);
  ASSERT_TRUE(pump);
  auto r = collect(*pump, n);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.output, "out\n");
  EXPECT_EQ(r.errors, "err\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(pump->has_news()) << "the end is news once";
}

TEST(exec_pump, interactive_stdin_reaches_the_command_then_eof) {
  news n;
  auto c = command({"cat"});
  c.interactive = true;
  auto pump = start(c, n);
  ASSERT_TRUE(pump);
  EXPECT_TRUE(pump->write_input("abc\n"));
  pump->close_input();
  auto r = collect(*pump, n);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.output, "abc\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(exec_pump, tty_is_the_controlling_terminal_with_the_given_size) {
  news n;
  auto c = command({"sh", "-c", "tty; stty size"});
  c.tty = true;
  c.rows = 40;
  c.cols = 100;
  auto pump = start(c, n);
  ASSERT_TRUE(pump);
  auto r = collect(*pump, n);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "/dev/pts/")) << r.output;
  EXPECT_TRUE(contains(r.output, "40 100")) << r.output;
  EXPECT_EQ(r.errors, "");
}

TEST(exec_pump, tty_resize_reaches_the_command) {
  news n;
  auto c = command({"sh", "-c", "read x; stty size"});
  c.tty = true;
  c.rows = 24;
  c.cols = 80;
  auto pump = start(c, n);
  ASSERT_TRUE(pump);
  pump->resize(50, 120);
  EXPECT_TRUE(pump->write_input("\n"));
  auto r = collect(*pump, n);
  EXPECT_TRUE(r.exited);
  EXPECT_TRUE(contains(r.output, "50 120")) << r.output;
}

TEST(exec_pump, tty_close_input_sends_eof) {
  news n;
  auto c = command({"cat"});
  c.tty = true;
  auto pump = start(c, n);
  ASSERT_TRUE(pump);
  EXPECT_TRUE(pump->write_input("hi\n"));
  pump->close_input();
  auto r = collect(*pump, n);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "hi")) << r.output;
}

TEST(exec_pump, signal_reaches_the_command) {
  news n;
  auto pump = start(command({"sleep", "100"}), n);
  ASSERT_TRUE(pump);
  pump->signal(SIGTERM);
  auto r = collect(*pump, n);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 143);
}

TEST(exec_pump, destroying_the_pump_kills_and_reaps_the_command) {
  news n;
  auto pump = start(command({"sleep", "100"}), n);
  ASSERT_TRUE(pump);
  int pid = pump->pid();
  ASSERT_EQ(::kill(pid, 0), 0);
  pump.reset();
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH) << "killed and reaped, not a zombie";
}

TEST(exec_pump, missing_command_fails_start_with_its_name) {
  news n;
  std::string error;
  auto pump = exec_pump::start(command({"no-such-command-troupe"}), n.callback(), &error);
  EXPECT_FALSE(pump);
  EXPECT_TRUE(contains(error, "'no-such-command-troupe'")) << error;
}

TEST(exec_pump, large_output_arrives_complete_through_the_bounded_buffer) {
  news n;
  auto pump = start(command({"head", "-c", "3000000", "/dev/zero"}), n);
  ASSERT_TRUE(pump);
  auto r = collect(*pump, n, 256 * 1024);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output.size(), 3000000u);
  EXPECT_EQ(r.output.find_first_not_of('\0'), std::string::npos);
  EXPECT_GE(r.takes, 12);  // 256 KiB a take
}

TEST(exec_pump, a_fast_writer_is_held_at_one_mebibyte_until_taken) {
  news n;
  auto pump = start(command({"head", "-c", "3000000", "/dev/zero"}), n);
  ASSERT_TRUE(pump);
  // Each take gets everything buffered: never more than 1 MiB, plus at the
  // end what was left in the pipe (64 KiB at most).
  size_t most = 0, total = 0;
  auto r = collect(*pump, n, SIZE_MAX, [&](const collected& all) {
    most = std::max(most, all.output.size() - total);
    total = all.output.size();
    return false;
  });
  most = std::max(most, r.output.size() - total);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.output.size(), 3000000u);
  EXPECT_LE(most, (1u << 20) + 64 * 1024);
}

TEST(exec_pump, input_beyond_the_queue_limit_is_refused) {
  news n;
  auto c = command({"sleep", "100"});  // never reads its stdin
  c.interactive = true;
  auto pump = start(c, n);
  ASSERT_TRUE(pump);
  // The pipe takes what fits; then the queue fills to 1 MiB and refuses.
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i)
    refused = !pump->write_input(std::string(256 * 1024, 'x'));
  EXPECT_TRUE(refused);
}

} // namespace
