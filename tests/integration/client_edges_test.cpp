// Edges a user meets: `troupe events` stopped by SIGTERM/SIGINT exits 0
// (no zmq::error_t abort), `service logs` of an unknown service fails with a
// sentence, a removed service's troupe_lb_* series leave /metrics, and 128
// clients at once are all answered.
#include <signal.h>
#include <sys/wait.h>

#include <regex>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_load.hpp"

namespace troupe::itest {
namespace {

using client_edges = agent_test;

TEST_F(client_edges, events_stopped_by_a_signal_exits_cleanly) {
  for (int sig : {SIGTERM, SIGINT}) {
    auto log = dir_.file("events" + std::to_string(sig) + ".log");
    int pid = spawn_logged({TROUPE_BINARY, "events", "--host", agent_->host()}, log);
    ASSERT_GT(pid, 0);
    // Streaming once an event it printed shows up. Each try deploys a new
    // stack: the first deploy may come before the client has subscribed,
    // and deploying the same stack again makes no new events.
    auto name = "ev" + std::to_string(sig);
    int tries = 0;
    bool streaming = wait_until([&] {
      auto stack = name + "t" + std::to_string(++tries);
      auto file = stack_file(stack + ".toml", "[stack]\nname = \"" + stack
                                                  + "\"\n\n[services.a]\ncommand = [\"/bin/sh\", "
                                                    "\"-c\", \"sleep 1000\"]\nstop_grace_period = \"1s\"\n");
      agent_->cli({"stack", "deploy", file, "-d"});
      return read_file(log).find(name + "t") != std::string::npos;
    }, 30000, 500);
    ASSERT_TRUE(streaming) << read_file(log);
    kill(pid, sig);
    int status = 0;
    ASSERT_TRUE(wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10000, 50))
        << "events did not stop";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "status " << status << ":\n" << read_file(log);
    EXPECT_EQ(read_file(log).find("terminate called"), std::string::npos) << read_file(log);
  }
}

// 128 clients connect at the same moment (scripts on many hosts, a
// completion per keystroke): every one is answered, none is refused as
// "no connection" because the node's accept queue overflowed.
TEST_F(client_edges, a_hundred_and_twenty_eight_clients_at_once_are_all_answered) {
  constexpr int clients = 128;
  std::vector<int> pids;
  for (int i = 0; i < clients; ++i) {
    int pid = spawn_logged({TROUPE_BINARY, "service", "ls", "--host", agent_->host(),
                            "--timeout", "60s"},
                           dir_.file("client" + std::to_string(i) + ".log"));
    ASSERT_GT(pid, 0);
    pids.push_back(pid);
  }
  std::vector<int> status(clients, 0);
  std::vector<bool> done(clients, false);
  int ended = 0;
  bool all_ended = wait_until([&] {
    for (int i = 0; i < clients; ++i)
      if (!done[i] && waitpid(pids[i], &status[i], WNOHANG) == pids[i]) {
        done[i] = true;
        ++ended;
      }
    return ended == clients;
  }, 120000, 50);
  for (int i = 0; i < clients; ++i)
    if (!done[i]) {
      kill(pids[i], SIGKILL);
      waitpid(pids[i], nullptr, 0);
    }
  ASSERT_TRUE(all_ended) << ended << " of " << clients << " clients ended";
  for (int i = 0; i < clients; ++i)
    EXPECT_TRUE(WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0)
        << "client " << i << ": "
        << read_file(dir_.file("client" + std::to_string(i) + ".log"));
}

TEST_F(client_edges, logs_of_an_unknown_service_fail_with_a_sentence) {
  auto r = agent_->cli({"service", "logs", "nope"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.err, "troupe: no service named 'nope'\n") << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
}

TEST_F(client_edges, a_removed_services_balancer_series_leave_the_metrics) {
  std::smatch m;
  auto agent_log = agent_->log();
  ASSERT_TRUE(std::regex_search(agent_log, m, std::regex(R"(metrics on 127\.0\.0\.1:(\d+))")))
      << agent_log;
  int metrics_port = std::stoi(m[1]);
  int published = free_port();
  auto file = stack_file("lbm.toml", "[stack]\nname = \"lbm\"\n\n[services.web]\n"
                                     "command = [\"/bin/sh\", \"-c\", \"sleep 1000\"]\n"
                                     "stop_grace_period = \"1s\"\n"
                                     "ports = [{ name = \"http\", target = 8080, published = "
                                         + std::to_string(published) + " }]\n");
  ASSERT_EQ(agent_->cli({"stack", "deploy", file, "--timeout", "60s"}).exit_code, 0);
  auto series = "troupe_lb_connections_total{port=\"" + std::to_string(published)
                + "\",service=\"lbm_web\"}";
  http_reply page;
  ASSERT_TRUE(wait_until([&] {
    page = http_get("127.0.0.1", metrics_port, "/metrics");
    return page.body.find(series) != std::string::npos;
  }, 30000, 200)) << page.error << "\n" << page.body.substr(0, 2000);
  ASSERT_EQ(agent_->cli({"stack", "rm", "lbm"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] {
    page = http_get("127.0.0.1", metrics_port, "/metrics");
    return page.ok && page.body.find("service=\"lbm_web\"") == std::string::npos;
  }, 30000, 200)) << page.body.substr(0, 4000);
}

} // namespace
} // namespace troupe::itest
