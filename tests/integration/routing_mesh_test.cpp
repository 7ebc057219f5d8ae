// The ingress routing mesh end to end: busybox httpd tasks behind a
// published port, reached through a standalone node and through every node
// of a cluster. Every request is checked; a killed task fails none that it
// had not begun to answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "tests/integration/cluster_harness.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_load.hpp"

namespace troupe::itest {
namespace {

/// Each task answers with its slot number, so a test can tell them apart.
std::string web_stack(int published, int replicas, const std::string& balance) {
  return "[stack]\nname = \"mesh\"\n\n[services.web]\n"
         "command = [\"/bin/sh\", \"-c\", \"mkdir -p www && echo $TROUPE_TASK_SLOT > "
         "www/index.html && exec /bin/busybox httpd -f -p $TROUPE_PORT_HTTP -h www\"]\n"
         "replicas = " + std::to_string(replicas) + "\n"
         "ports = [{ name = \"http\", target = 80, published = " + std::to_string(published)
         + ", balance = \"" + balance + "\" }]\n";
}

class routing_mesh : public agent_test {
protected:
  void SetUp() override {
    if (access("/bin/busybox", X_OK) != 0)
      GTEST_SKIP() << "busybox (busybox-static) is not installed";
    agent_test::SetUp();
    published_ = free_port();
  }

  void deploy(int replicas, const std::string& balance = "round-robin") {
    auto r = agent_->cli({"stack", "deploy",
                          stack_file("mesh.toml", web_stack(published_, replicas, balance))});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto all_listed = [&] {
      auto eps = agent_->cli_json({"service", "endpoints", "mesh_web"});
      return eps.is_array() && eps.size() == 1
             && eps[0]["endpoints"].size() == static_cast<size_t>(replicas);
    };
    ASSERT_TRUE(wait_until(all_listed, 60000)) << "the endpoints never all showed up";
  }

  /// Slots that answered `n` requests through the published port.
  std::set<std::string> answers(int n) {
    std::set<std::string> seen;
    for (int i = 0; i < n; ++i) {
      auto reply = http_get("127.0.0.1", published_);
      EXPECT_TRUE(reply.ok) << reply.error;
      seen.insert(reply.body);
    }
    return seen;
  }

  int published_ = 0;
};

TEST_F(routing_mesh, published_port_reaches_every_task) {
  deploy(3);
  auto eps = agent_->cli_json({"service", "endpoints", "mesh_web"});
  EXPECT_EQ(eps[0]["published"], published_);
  EXPECT_EQ(eps[0]["balance"], "round-robin");
  // Round-robin: every task answers within a few requests.
  EXPECT_EQ(answers(6), (std::set<std::string>{"1", "2", "3"}));
  auto inspect = agent_->cli({"service", "inspect", "mesh_web"});
  EXPECT_NE(inspect.out.find(std::to_string(published_)), std::string::npos)
    << inspect.out;
}

TEST_F(routing_mesh, a_killed_task_fails_no_request) {
  deploy(3);
  http_load load({{"127.0.0.1", published_}}, 3, 2);
  load.start();
  ASSERT_TRUE(wait_until([&] { return load.sent() >= 30; }, 30000));
  auto tasks = running_tasks(agent_->tasks("mesh_web"));
  ASSERT_FALSE(tasks.empty());
  int pid = tasks[0].value("pid", 0);
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGKILL);
  auto sent_at_kill = load.sent();
  // The task is replaced (restart in place) and requests kept flowing.
  auto back = [&] {
    auto eps = agent_->cli_json({"service", "endpoints", "mesh_web"});
    return load.sent() > sent_at_kill + 100 && eps.is_array()
           && eps[0]["endpoints"].size() == 3;
  };
  EXPECT_TRUE(wait_until(back, 60000));
  load.stop();
  std::string failures;
  for (const auto& f : load.failures())
    failures += "\n  " + f;
  // Only a response the task had begun when it was killed may fail (at
  // most one per client); every other request is replayed or balanced away.
  EXPECT_EQ(load.failed() - load.cut_off(), 0)
    << load.failed() << " of " << load.sent() << " failed" << failures;
  EXPECT_LE(load.cut_off(), 3) << "more responses cut off than requests in flight" << failures;
}

TEST_F(routing_mesh, bad_clients_do_not_disturb_others) {
  deploy(2);
  // One client connects and sends nothing, one half-closes at once, one
  // resets, one floods garbage; meanwhile normal requests are answered.
  int idle = open_tcp("127.0.0.1", published_);
  ASSERT_GE(idle, 0);
  int half = open_tcp("127.0.0.1", published_);
  ASSERT_GE(half, 0);
  ::shutdown(half, SHUT_WR);
  int reset = open_tcp("127.0.0.1", published_);
  ASSERT_GE(reset, 0);
  linger hard{1, 0};
  setsockopt(reset, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  ::close(reset);
  int flood = open_tcp("127.0.0.1", published_);
  ASSERT_GE(flood, 0);
  std::string garbage(64 * 1024, 'x');
  for (int i = 0; i < 16; ++i)
    if (::send(flood, garbage.data(), garbage.size(), MSG_NOSIGNAL | MSG_DONTWAIT) <= 0)
      break;
  for (int i = 0; i < 20; ++i) {
    auto reply = http_get("127.0.0.1", published_);
    EXPECT_TRUE(reply.ok) << "request " << i << ": " << reply.error;
  }
  ::close(idle);
  ::close(half);
  ::close(flood);
  EXPECT_EQ(agent_->cli({"node", "ls"}).exit_code, 0) << "the node stopped answering";
}

TEST_F(routing_mesh, a_port_of_a_removed_stack_is_closed) {
  deploy(1);
  ASSERT_TRUE(http_get("127.0.0.1", published_).ok);
  ASSERT_EQ(agent_->cli({"stack", "rm", "mesh"}).exit_code, 0);
  auto closed = [&] {
    int fd = open_tcp("127.0.0.1", published_);
    if (fd >= 0)
      ::close(fd);
    return fd < 0;
  };
  EXPECT_TRUE(wait_until(closed, 30000)) << "the published port still listens";
}

using routing_mesh_cluster = small_cluster_test;

TEST_F(routing_mesh_cluster, every_node_serves_the_published_port) {
  if (access("/bin/busybox", X_OK) != 0)
    GTEST_SKIP() << "busybox (busybox-static) is not installed";
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  int published = free_port();
  auto r = cluster_->cli("m1", {"stack", "deploy",
                               cluster_->file("mesh.toml", web_stack(published, 2, "round-robin"))});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // Through each node (the manager runs no task), every task answers.
  for (const auto& node : {"m1", "w1", "w2"}) {
    auto host = cluster_->ingress(node);
    auto both = [&] {
      std::set<std::string> seen;
      for (int i = 0; i < 4; ++i) {
        auto reply = http_get(host, published);
        if (!reply.ok)
          return false;
        seen.insert(reply.body);
      }
      return seen.size() == 2;
    };
    EXPECT_TRUE(wait_until(both, 60000)) << "through " << node << " (" << host << ")";
  }
}

} // namespace
} // namespace troupe::itest
