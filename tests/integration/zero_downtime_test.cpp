// Zero downtime, proven: a 3-replica busybox httpd service behind the routing
// mesh, rolled out start-first with an HTTP health check, under a steady
// client load in which every request is checked. An update and then a
// rollback must not fail a single request, and afterwards every response
// must come from the expected version.
#include <signal.h>
#include <unistd.h>

#include "tests/integration/cluster_harness.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_load.hpp"

namespace troupe::itest {
namespace {

constexpr int load_clients = 4;
constexpr int load_pause_ms = 5;

class zero_downtime : public agent_test {
protected:
  void SetUp() override {
    if (access("/bin/busybox", X_OK) != 0)
      GTEST_SKIP() << "busybox (busybox-static) is not installed";
    agent_test::SetUp();
    for (const char* version : {"v1", "v2"}) {
      run_command({"mkdir", "-p", dir_.file(version)}, dir_.path());
      write_file(dir_.file(version) + "/index.html", std::string(version) + "\n");
    }
    published_ = free_port();
  }

  /// The stack: VERSION picks the folder httpd serves, so a response tells
  /// which spec answered it.
  std::string stack_text() const {
    return "[stack]\nname = \"zd\"\n\n"
           "[services.web]\n"
           "command = [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"${TROUPE_PORT_HTTP}\", \"-h\", \""
           + dir_.path() + "/${VERSION}\"]\n"
           "env = { VERSION = \"v1\" }\n"
           "replicas = 3\n"
           "stop_grace_period = \"2s\"\n"
           "ports = [{ name = \"http\", target = 8080, published = "
           + std::to_string(published_) + " }]\n\n"
           "[services.web.health]\n"
           "http = \"/\"\ninterval = \"200ms\"\ntimeout = \"1s\"\nretries = 2\n\n"
           "[services.web.update]\n"
           "order = \"start-first\"\nparallelism = 1\nmonitor = \"500ms\"\n"
           "failure_action = \"rollback\"\n\n"
           "[services.web.rollback]\n"
           "order = \"start-first\"\nparallelism = 1\nmonitor = \"500ms\"\n";
  }

  /// Waits until `count` responses arrived after a reset and all were `body`.
  void expect_only(http_load& load, const std::string& body) {
    load.reset_bodies();
    auto enough = [&] {
      int64_t total = 0;
      for (const auto& [b, n] : load.bodies())
        total += n;
      return total >= 60;
    };
    ASSERT_TRUE(wait_until(enough, 30000)) << "the load got too few answers";
    auto bodies = load.bodies();
    EXPECT_EQ(bodies.size(), 1u) << "several versions answer after the rollout";
    EXPECT_GT(bodies[body], 0) << "no response from " << body;
  }

  int published_ = 0;
};

TEST_F(zero_downtime, update_and_rollback_fail_no_request) {
  auto deploy = agent_->cli({"stack", "deploy", stack_file("zd.toml", stack_text())});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.describe();
  auto serving = [&] { return http_get("127.0.0.1", published_).body == "v1"; };
  ASSERT_TRUE(wait_until(serving, 60000)) << "the published port never answered v1";
  auto all_healthy = [&] {
    auto tasks = running_tasks(agent_->tasks("zd_web"));
    int healthy = 0;
    for (const auto& t : tasks)
      healthy += t.value("health", "") == "healthy";
    return healthy == 3;
  };
  ASSERT_TRUE(wait_until(all_healthy, 60000)) << "three healthy tasks never ran";

  http_load load({{"127.0.0.1", published_}}, load_clients, load_pause_ms);
  load.start();
  ASSERT_TRUE(wait_until([&] { return load.sent() >= 50; }, 30000));

  auto update = agent_->cli({"service", "update", "zd_web", "--env", "VERSION=v2"});
  ASSERT_EQ(update.exit_code, 0) << update.describe();
  expect_only(load, "v2");

  auto rollback = agent_->cli({"service", "rollback", "zd_web"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.describe();
  expect_only(load, "v1");

  load.stop();
  std::string failures;
  for (const auto& f : load.failures())
    failures += "\n  " + f;
  EXPECT_EQ(load.failed(), 0) << load.failed() << " of " << load.sent()
                              << " requests failed:" << failures;
  RecordProperty("requests", std::to_string(load.sent()));
  std::cout << "zero downtime: " << load.sent() << " requests, " << load.failed()
            << " failed" << std::endl;
}

/// A worker lost with its tasks (agent and task processes killed -9, as when
/// its host dies) under the same load through the manager's ingress: the
/// requests that fail are counted and reported; once the tasks run on the
/// other worker, every request succeeds again.
using zero_downtime_cluster = small_cluster_test;

TEST_F(zero_downtime_cluster, a_lost_worker_under_load) {
  if (access("/bin/busybox", X_OK) != 0)
    GTEST_SKIP() << "busybox (busybox-static) is not installed";
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  int published = free_port();
  auto stack = "[stack]\nname = \"zd\"\n\n[services.web]\n"
               "command = [\"/bin/sh\", \"-c\", \"mkdir -p www && echo ok > www/index.html "
               "&& exec /bin/busybox httpd -f -p $TROUPE_PORT_HTTP -h www\"]\n"
               "replicas = 3\n"
               "ports = [{ name = \"http\", target = 80, published = "
               + std::to_string(published) + " }]\n";
  auto r = cluster_->cli("m1", {"stack", "deploy", cluster_->file("zd.toml", stack),
                               "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto ingress = cluster_->ingress("m1");
  auto three = [&] {
    auto eps = cluster_->cli_json("m1", {"service", "endpoints", "zd_web"});
    return eps.is_array() && eps.size() == 1 && eps[0]["endpoints"].size() == 3;
  };
  ASSERT_TRUE(wait_until(three, 60000));
  http_load load({{ingress, published}}, load_clients, load_pause_ms);
  load.start();
  ASSERT_TRUE(wait_until([&] { return load.sent() >= 50; }, 30000));

  // The worker with the most tasks goes, with its task processes.
  std::map<std::string, int> per_node;
  for (const auto& t : running_tasks(cluster_->cli_json("m1", {"service", "ps", "zd_web"})))
    ++per_node[t.value("node", "")];
  std::string victim = per_node["w1"] >= per_node["w2"] ? "w1" : "w2";
  auto start = now_ms();
  cluster_->kill9(victim);
  for (int pid : processes_under(cluster_->data_dir(victim))) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  auto moved = [&] {
    auto tasks = running_tasks(cluster_->cli_json("m1", {"service", "ps", "zd_web"}));
    int elsewhere = 0;
    for (const auto& t : tasks)
      elsewhere += t.value("node", "") != victim;
    return elsewhere == 3 && three();
  };
  ASSERT_TRUE(wait_until(moved, 60000)) << "the tasks never all ran on the other worker";
  auto recovered_ms = now_ms() - start;
  auto failed_during = load.failed();
  auto sent_during = load.sent();
  // After the move: a window in which nothing fails.
  ASSERT_TRUE(wait_until([&] { return load.sent() >= sent_during + 200; }, 30000));
  load.stop();
  EXPECT_EQ(load.failed(), failed_during) << "requests failed after the tasks moved";
  std::cout << "lost worker under load: " << failed_during << " of " << sent_during
            << " requests failed; tasks running elsewhere after " << recovered_ms
            << " ms" << std::endl;
  RecordProperty("failed_requests", std::to_string(failed_during));
}

} // namespace
} // namespace troupe::itest
