// The sim driver: simulated containers driven by SIM_* env variables and
// `sim ...` exec commands. Waits are for a condition (a future, or a bounded
// poll) with generous timeouts; durations are small.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <future>
#include <gtest/gtest.h>
#include <memory>
#include <thread>

#include "runtime/sim_driver.hpp"
#include "runtime/wall_clock.hpp"
#include "tests/unit/runtime/test_util.hpp"

using namespace troupe;
using troupe::test::wait_until;

namespace {

constexpr auto generous = std::chrono::seconds(5);
const std::vector<std::string> health_cmd = {"curl", "-f", "http://localhost/"};
const std::vector<std::string> truthy = {"/bin/true"};
const std::vector<std::string> falsy = {"/bin/false"};

class sim_driver_test : public ::testing::Test {
protected:
  container_spec spec(std::map<std::string, std::string> env = {}) {
    container_spec s;
    s.id = "sim" + std::to_string(++counter_);
    s.command = {"serve"};
    s.env = std::move(env);
    return s;
  }

  container_handle start(const container_spec& s) {
    container_handle h;
    std::string error;
    EXPECT_TRUE(driver_.start(s, &h, &error)) << error;
    return h;
  }

  std::string start_error(std::map<std::string, std::string> env) {
    container_handle h;
    std::string error;
    EXPECT_FALSE(driver_.start(spec(std::move(env)), &h, &error));
    return error;
  }

  /// A future that is set when notify_exit's callback runs (once).
  std::future<void> exited(const container_handle& h) {
    auto done = std::make_shared<std::promise<void>>();
    auto calls = std::make_shared<int>(0);
    EXPECT_TRUE(driver_.notify_exit(h, [done, calls] {
      if (++*calls == 1)
        done->set_value();
    }));
    return done->get_future();
  }

  sim_driver driver_;
  int counter_ = 0;
};

bool ready(std::future<void>& f) {
  return f.wait_for(generous) == std::future_status::ready;
}

TEST_F(sim_driver_test, starts_at_once_and_runs_until_told_otherwise) {
  auto h = start(spec());
  EXPECT_EQ(h.id, "sim1");
  EXPECT_GE(h.pid, sim_driver::sim_pid_base) << "above any real pid";
  EXPECT_EQ(h.ready_after_ms, 0);
  EXPECT_EQ(driver_.name(), "sim");
  EXPECT_FALSE(driver_.uses_host());
  EXPECT_FALSE(driver_.reattaches());
  EXPECT_FALSE(driver_.poll(h));
  EXPECT_EQ(driver_.exec_argv(h, health_cmd), truthy);
  EXPECT_EQ(driver_.size(), 1u);
  driver_.cleanup(h);
  EXPECT_EQ(driver_.size(), 0u);
}

TEST_F(sim_driver_test, exits_by_itself_with_the_code_it_was_given) {
  int64_t before = unix_now_ms();
  auto h = start(spec({{"SIM_EXIT_AFTER", "50ms"}, {"SIM_EXIT_CODE", "3"}}));
  auto done = exited(h);
  ASSERT_TRUE(ready(done)) << "notify_exit's callback never ran";
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 3);
  EXPECT_EQ(st->message, "exited with code 3");
  EXPECT_GE(st->ended_ms, before + 45) << "it ended when it was due, not at start";
  EXPECT_LE(st->ended_ms, unix_now_ms());
}

TEST_F(sim_driver_test, a_crash_is_a_death_by_sigsegv) {
  auto h = start(spec({{"SIM_CRASH_AFTER", "20ms"}, {"SIM_EXIT_AFTER", "1h"}}));
  auto done = exited(h);
  ASSERT_TRUE(ready(done));
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 139);
  EXPECT_EQ(st->message, "killed by SIGSEGV");
}

TEST_F(sim_driver_test, sigterm_ends_it_at_once_without_a_stop_delay) {
  auto h = start(spec());
  auto done = exited(h);
  driver_.signal(h, SIGTERM);
  auto st = driver_.poll(h);
  ASSERT_TRUE(st) << "it ended when signal() returned";
  EXPECT_EQ(st->exit_code, 143);
  EXPECT_EQ(st->message, "killed by SIGTERM");
  EXPECT_TRUE(ready(done));
}

TEST_F(sim_driver_test, sigterm_ends_it_after_the_stop_delay) {
  auto h = start(spec({{"SIM_STOP_DELAY", "100ms"}}));
  auto done = exited(h);
  auto asked = std::chrono::steady_clock::now();
  driver_.signal(h, SIGTERM);
  ASSERT_TRUE(ready(done));
  EXPECT_GE(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(100));
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 143);
  EXPECT_EQ(st->message, "killed by SIGTERM");
}

TEST_F(sim_driver_test, sigkill_ends_it_at_once_even_while_it_stops) {
  auto h = start(spec({{"SIM_STOP_DELAY", "1h"}}));
  auto done = exited(h);
  driver_.signal(h, SIGTERM);
  EXPECT_FALSE(driver_.poll(h)) << "still stopping";
  driver_.signal(h, SIGKILL);
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 137);
  EXPECT_EQ(st->message, "killed by SIGKILL");
  EXPECT_TRUE(ready(done));
  driver_.signal(h, SIGTERM);
  EXPECT_EQ(driver_.poll(h)->exit_code, 137) << "a signal after the end is ignored";
}

TEST_F(sim_driver_test, notify_exit_after_the_end_still_calls_back) {
  auto h = start(spec());
  driver_.signal(h, SIGKILL);
  auto done = exited(h);
  EXPECT_TRUE(ready(done));
}

TEST_F(sim_driver_test, a_start_delay_sets_ready_after_and_delays_the_rest) {
  auto h = start(spec({{"SIM_START_DELAY", "150ms"}, {"SIM_EXIT_AFTER", "0ms"}}));
  EXPECT_EQ(h.ready_after_ms, 150);
  auto started = std::chrono::steady_clock::now();
  auto done = exited(h);
  ASSERT_TRUE(ready(done));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(140));
  EXPECT_EQ(driver_.poll(h)->message, "exited with code 0");
}

TEST_F(sim_driver_test, a_simulated_start_failure_leaves_nothing) {
  EXPECT_EQ(start_error({{"SIM_START_FAIL", "image pull timed out"}}),
            "simulated start failure: image pull timed out");
  EXPECT_EQ(driver_.size(), 0u);
}

TEST_F(sim_driver_test, malformed_values_are_refused_with_a_sentence) {
  EXPECT_EQ(start_error({{"SIM_EXIT_AFTER", "x"}}),
            "SIM_EXIT_AFTER='x' is not a duration (use e.g. 500ms, 2s, 1m)");
  EXPECT_EQ(start_error({{"SIM_STOP_DELAY", "-1s"}}),
            "SIM_STOP_DELAY='-1s' is not a duration (use e.g. 500ms, 2s, 1m)");
  EXPECT_EQ(start_error({{"SIM_START_DELAY", "soon"}}),
            "SIM_START_DELAY='soon' is not a duration (use e.g. 500ms, 2s, 1m)");
  EXPECT_EQ(start_error({{"SIM_EXIT_CODE", "256"}}),
            "SIM_EXIT_CODE='256' is not an exit code (use 0 to 255)");
  EXPECT_EQ(start_error({{"SIM_EXIT_CODE", "-1"}}),
            "SIM_EXIT_CODE='-1' is not an exit code (use 0 to 255)");
  EXPECT_EQ(driver_.size(), 0u);
  container_handle h;
  std::string error;
  auto s = spec();
  start(s);
  EXPECT_FALSE(driver_.start(s, &h, &error));
  EXPECT_EQ(error, "container '" + s.id + "' already exists");
}

TEST_F(sim_driver_test, sim_exit_ends_it_with_that_code) {
  auto h = start(spec());
  auto done = exited(h);
  EXPECT_EQ(driver_.exec_argv(h, {"sim", "exit", "4"}), truthy);
  ASSERT_TRUE(ready(done));
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 4);
  EXPECT_EQ(st->message, "exited with code 4");
}

TEST_F(sim_driver_test, sim_crash_is_a_death_by_sigsegv) {
  auto h = start(spec());
  EXPECT_EQ(driver_.exec_argv(h, {"sim", "crash"}), truthy);
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 139);
}

TEST_F(sim_driver_test, sim_unhealthy_and_healthy_switch_what_commands_do) {
  auto h = start(spec());
  EXPECT_EQ(driver_.exec_argv(h, health_cmd), truthy);
  EXPECT_EQ(driver_.simulated_health(h), std::optional<bool>(true));
  EXPECT_EQ(driver_.exec_argv(h, {"sim", "unhealthy"}), truthy);
  EXPECT_EQ(driver_.exec_argv(h, health_cmd), falsy);
  EXPECT_EQ(driver_.simulated_health(h), std::optional<bool>(false))
    << "every kind of health check fails";
  EXPECT_EQ(driver_.exec_argv(h, {"sh", "-c", "ls"}, true), falsy);
  EXPECT_EQ(driver_.exec_argv(h, {"sim", "healthy"}), truthy);
  EXPECT_EQ(driver_.exec_argv(h, health_cmd), truthy);
  EXPECT_FALSE(driver_.poll(h)) << "health does not end it";
}

TEST_F(sim_driver_test, it_turns_unhealthy_after_a_while) {
  auto h = start(spec({{"SIM_UNHEALTHY_AFTER", "50ms"}}));
  EXPECT_TRUE(wait_until([&] { return driver_.exec_argv(h, health_cmd) == falsy; },
                         generous));
  EXPECT_EQ(driver_.simulated_health(h), std::optional<bool>(false));
  EXPECT_FALSE(driver_.poll(h));
  EXPECT_EQ(driver_.exec_argv(h, {"sim", "healthy"}), truthy);
  EXPECT_EQ(driver_.exec_argv(h, health_cmd), truthy);
}

TEST_F(sim_driver_test, a_malformed_control_command_prints_why_and_fails) {
  auto h = start(spec());
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"sim"},
                                             {"sim", "explode"},
                                             {"sim", "exit"},
                                             {"sim", "exit", "300"},
                                             {"sim", "exit", "it's"},
                                             {"sim", "crash", "now"}}) {
    auto argv = driver_.exec_argv(h, cmd);
    ASSERT_EQ(argv.size(), 3u) << cmd.size();
    EXPECT_EQ(argv[0], "/bin/sh");
    EXPECT_EQ(argv[1], "-c");
    EXPECT_NE(argv[2].find("sim: "), std::string::npos) << argv[2];
    EXPECT_NE(argv[2].find("exit 2"), std::string::npos) << argv[2];
  }
  EXPECT_FALSE(driver_.poll(h)) << "a malformed command changes nothing";
  // The sentence reaches stderr exactly, quotes and all.
  auto argv = driver_.exec_argv(h, {"sim", "exit", "it's"});
  FILE* out = ::popen(("{ " + argv[2] + "; } 2>&1").c_str(), "r");
  ASSERT_NE(out, nullptr);
  char buf[256] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, out);
  int status = ::pclose(out);
  EXPECT_EQ(std::string(buf, n),
            "sim: exit needs one exit code from 0 to 255, got 'it's'\n");
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST_F(sim_driver_test, an_unknown_container_is_gone) {
  container_handle h;
  h.id = "never-started";
  auto st = driver_.poll(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 137);
  EXPECT_EQ(st->message, "the simulated container is gone");
  auto done = exited(h);
  EXPECT_TRUE(ready(done));
  driver_.signal(h, SIGKILL);  // ignored
  driver_.cleanup(h);          // ignored
}

TEST_F(sim_driver_test, cleanup_forgets_it_and_a_new_start_of_the_id_is_fresh) {
  auto s = spec({{"SIM_EXIT_AFTER", "30ms"}, {"SIM_EXIT_CODE", "9"}});
  auto h = start(s);
  auto done = exited(h);
  ASSERT_TRUE(ready(done));
  driver_.cleanup(h);
  EXPECT_EQ(driver_.poll(h)->message, "the simulated container is gone");
  s.env = {{"SIM_EXIT_AFTER", "1h"}};
  h = start(s);
  EXPECT_FALSE(driver_.poll(h)) << "the old deadline does not touch the new one";
}

TEST_F(sim_driver_test, many_containers_end_in_deadline_order) {
  constexpr int n = 2000;
  std::vector<container_handle> hs;
  std::vector<std::future<void>> done;
  for (int i = 0; i < n; ++i) {
    hs.push_back(start(spec({{"SIM_EXIT_AFTER", std::to_string(i % 50) + "ms"},
                             {"SIM_EXIT_CODE", std::to_string(i % 7)}})));
    done.push_back(exited(hs.back()));
  }
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(ready(done[i])) << i;
    EXPECT_EQ(driver_.poll(hs[i])->exit_code, i % 7);
  }
  for (auto& h : hs)
    driver_.cleanup(h);
  EXPECT_EQ(driver_.size(), 0u);
}

TEST(sim_make_driver_test, makes_a_sim_driver) {
  std::string error;
  auto d = make_driver("sim", driver_options{}, &error);
  ASSERT_NE(d, nullptr) << error;
  EXPECT_EQ(d->name(), "sim");
}

} // namespace
