// Health checks: the pure state machine (table-driven) and real checks
// against a local listener and local commands.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "actors/worker/core/health_state.hpp"
#include "actors/worker/health.hpp"

using namespace troupe;

namespace {

pb::HealthCheck check(uint32_t retries, int64_t start_period = 0) {
  pb::HealthCheck h;
  h.set_tcp(true);
  h.set_interval_ms(100);
  h.set_timeout_ms(500);
  h.set_retries(retries);
  h.set_start_period_ms(start_period);
  return h;
}

struct result_row {
  std::string name;
  uint32_t retries;
  int64_t start_period;
  std::vector<std::pair<bool, int64_t>> results;  // ok, at (ms after start)
  std::vector<std::string> states;                // after each result
};

class health_state_table : public ::testing::TestWithParam<result_row> {};

TEST_P(health_state_table, follows_the_results) {
  const auto& r = GetParam();
  health_state h(check(r.retries, r.start_period), 1000);
  EXPECT_EQ(h.state(), "starting");
  EXPECT_EQ(h.next_check_at(), 1000) << "the first check runs at once";
  for (size_t i = 0; i < r.results.size(); ++i)
    EXPECT_EQ(h.on_result(r.results[i].first, 1000 + r.results[i].second),
              r.states[i])
      << "result " << i;
}

INSTANTIATE_TEST_SUITE_P(
  cases, health_state_table,
  ::testing::Values(
    result_row{"pass_is_healthy", 3, 0, {{true, 10}}, {"healthy"}},
    result_row{"retries_failures_make_unhealthy", 3, 0,
               {{false, 10}, {false, 20}, {false, 30}},
               {"starting", "starting", "unhealthy"}},
    result_row{"zero_retries_means_one", 0, 0, {{false, 10}}, {"unhealthy"}},
    result_row{"a_pass_resets_the_count", 2, 0,
               {{true, 5}, {false, 10}, {true, 20}, {false, 30}, {false, 40}},
               {"healthy", "healthy", "healthy", "healthy", "unhealthy"}},
    result_row{"start_period_forgives_failures", 1, 500,
               {{false, 100}, {false, 400}, {false, 600}},
               {"starting", "starting", "unhealthy"}},
    result_row{"start_period_ends_at_the_first_pass", 1, 5000,
               {{true, 100}, {false, 200}}, {"healthy", "unhealthy"}},
    result_row{"unhealthy_stays", 1, 0, {{false, 10}, {true, 20}},
               {"unhealthy", "unhealthy"}}),
  [](const auto& info) { return info.param.name; });

TEST(health_state, interval_paces_checks) {
  health_state h(check(1), 1000);
  h.on_started(1000);
  EXPECT_EQ(h.next_check_at(), 1100);
}

// A listening socket on a free loopback port.
struct listener {
  int fd = -1;
  uint32_t port = 0;
  listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~listener() { ::close(fd); }
};

TEST(health_check, tcp_passes_on_a_listener_and_fails_without) {
  health_target t;
  t.check = check(1);
  {
    listener l;
    t.port = l.port;
    EXPECT_TRUE(run_health_check(t).ok);
  }
  auto r = run_health_check(t);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("cannot connect"), std::string::npos) << r.message;
}

TEST(health_check, http_reads_the_status_line) {
  listener l;
  for (auto [reply, ok] : {std::make_pair("HTTP/1.0 200 OK\r\n\r\n", true),
                           std::make_pair("HTTP/1.0 503 Busy\r\n\r\n", false)}) {
    std::thread server([&, reply = std::string(reply)] {
      int c = ::accept(l.fd, nullptr, nullptr);
      char buf[256];
      (void)::recv(c, buf, sizeof buf, 0);
      (void)::send(c, reply.data(), reply.size(), 0);
      ::close(c);
    });
    health_target t;
    t.check = check(1);
    t.check.set_tcp(false);
    t.check.set_http("/health");
    t.port = l.port;
    auto r = run_health_check(t);
    server.join();
    EXPECT_EQ(r.ok, ok) << r.message;
    if (!ok)
      EXPECT_NE(r.message.find("503"), std::string::npos) << r.message;
  }
}

TEST(health_check, cmd_uses_exit_code_env_and_timeout) {
  health_target t;
  t.check = check(1);
  t.check.set_tcp(false);
  t.check.add_cmd("sh");
  t.argv = {"sh", "-c", "test \"$WANT\" = yes"};
  t.env = {"PATH=/usr/bin:/bin", "WANT=yes"};
  EXPECT_TRUE(run_health_check(t).ok);
  t.env = {"PATH=/usr/bin:/bin", "WANT=no"};
  EXPECT_FALSE(run_health_check(t).ok);
  t.argv = {"sleep", "10"};
  t.check.set_timeout_ms(200);
  auto start = std::chrono::steady_clock::now();
  auto r = run_health_check(t);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("timeout"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(health_monitor, runs_checks_off_the_caller_and_reports_changes) {
  health_target t;
  t.check = check(1);
  listener l;
  t.port = l.port;
  health_monitor m(t, 0);
  std::optional<std::string> change;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int64_t now = 0;
  while (!change && std::chrono::steady_clock::now() < deadline) {
    change = m.poll(now += 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, "healthy");
}

} // namespace
