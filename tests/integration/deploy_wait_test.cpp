// What `stack deploy` (waiting) says about services that cannot converge the
// usual way, seen from the CLI: a published port another process holds (the
// deploy fails naming it, `service inspect` shows it, and it clears once the
// port is free), and job modes (the deploy ends when the jobs complete, or
// fails with the reason when one fails).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

/// A TCP socket listening on 127.0.0.1:port, closed on destruction (or by
/// release()); -1 in fd() when the port could not be taken.
class held_port {
public:
  explicit held_port(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::listen(fd_, 4) != 0)
      release();
  }
  ~held_port() { release(); }
  held_port(const held_port&) = delete;
  held_port& operator=(const held_port&) = delete;
  void release() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

private:
  int fd_ = -1;
};

using deploy_wait = agent_test;

std::string web_stack(int published) {
  return "[stack]\nname = \"held\"\n\n[services.web]\n"
         "command = [\"/bin/sh\", \"-c\", \"exec sleep 600\"]\n"
         "replicas = 1\nstop_grace_period = \"1s\"\n"
         "ports = [{ name = \"http\", target = 80, published = " +
         std::to_string(published) + " }]\n";
}

TEST_F(deploy_wait, a_published_port_held_by_another_process_fails_the_deploy) {
  int port = free_port();
  held_port holder(port);
  ASSERT_GE(holder.fd(), 0) << "cannot hold port " << port;
  auto file = stack_file("held.toml", web_stack(port));

  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_FALSE(r.timed_out);
  auto said = r.out + r.err;
  EXPECT_NE(said.find("published port " + std::to_string(port) + " cannot be opened"),
            std::string::npos) << r.describe();
  EXPECT_NE(said.find("Address already in use"), std::string::npos) << r.describe();

  auto inspect = agent_->cli({"service", "inspect", "held_web"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.describe();
  EXPECT_NE(inspect.out.find("Port errors"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("Address already in use"), std::string::npos) << inspect.out;

  // Once the port is free the node opens it by itself (it retries while a
  // port is refused) and the error clears: nothing else changes meanwhile.
  holder.release();
  auto refused = [&] {
    auto eps = agent_->cli_json({"service", "endpoints", "held_web"});
    if (!eps.is_array() || eps.empty())
      return json();
    return eps[0].value("refused", json::array());
  };
  ASSERT_TRUE(wait_until([&] {
    auto r = refused();
    return r.is_array() && r.empty();
  }, 30000)) << refused().dump();
  inspect = agent_->cli({"service", "inspect", "held_web"});
  EXPECT_EQ(inspect.out.find("Address already in use"), std::string::npos) << inspect.out;
  // and a deploy now converges
  auto again = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
}

std::string job_stack(const std::string& command, int completions, int max_concurrent) {
  return "[stack]\nname = \"batch\"\n\n[services.job]\n"
         "mode = \"replicated-job\"\n"
         "command = [\"/bin/sh\", \"-c\", \"" + command + "\"]\n"
         "completions = " + std::to_string(completions) + "\n"
         "max_concurrent = " + std::to_string(max_concurrent) + "\n";
}

/// Live tasks of `service ps` (0 while the service does not exist yet).
int live_tasks(const agent& node, const std::string& service) {
  auto r = node.cli({"service", "ps", service, "--format", "json"});
  auto tasks = json::parse(r.out, nullptr, false);
  int n = 0;
  if (r.exit_code == 0 && tasks.is_array())
    for (const auto& t : tasks) {
      auto s = t.value("state", "");
      if (s != "complete" && s != "failed" && s != "shutdown" && s != "orphaned" &&
          s != "rejected" && s != "pending")
        ++n;
    }
  return n;
}

TEST_F(deploy_wait, a_replicated_job_ends_the_deploy_when_all_complete) {
  auto file = stack_file("job.toml", job_stack("sleep 1; exit 0", 3, 2));
  std::atomic<bool> done{false};
  run_result r;
  std::thread deploy([&] {
    r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
    done = true;
  });
  // While the deploy waits, never more than max_concurrent tasks are live.
  int most = 0;
  while (!done) {
    most = std::max(most, live_tasks(*agent_, "batch_job"));
    wait_until([&] { return done.load(); }, 100, 20);
  }
  deploy.join();
  RecordProperty("most_live_tasks_seen", most);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_LE(most, 2);
  EXPECT_GE(most, 1);

  auto tasks = agent_->tasks("batch_job");
  ASSERT_TRUE(tasks.is_array());
  int complete = 0;
  for (const auto& t : tasks)
    complete += t.value("state", "") == "complete";
  EXPECT_EQ(complete, 3) << tasks.dump(2);
  EXPECT_EQ(tasks.size(), 3u) << tasks.dump(2);
}

TEST_F(deploy_wait, a_failing_job_fails_the_deploy_with_its_reason) {
  auto file = stack_file("job.toml", job_stack("exit 1", 2, 1) +
                                         "[services.job.restart]\ncondition = \"none\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_FALSE(r.timed_out);
  auto said = r.out + r.err;
  EXPECT_NE(said.find("the job failed"), std::string::npos) << r.describe();
  EXPECT_NE(said.find("exit code 1"), std::string::npos) << r.describe();
  // once a task failed for good the job starts no other
  auto tasks = agent_->tasks("batch_job");
  ASSERT_TRUE(tasks.is_array());
  EXPECT_EQ(tasks.size(), 1u) << tasks.dump(2);
}

TEST_F(deploy_wait, a_global_job_ends_the_deploy_when_it_completed_on_the_node) {
  auto file = stack_file("gjob.toml",
                         "[stack]\nname = \"batch\"\n\n[services.once]\n"
                         "mode = \"global-job\"\n"
                         "command = [\"/bin/sh\", \"-c\", \"exit 0\"]\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto tasks = agent_->tasks("batch_once");
  ASSERT_TRUE(tasks.is_array());
  ASSERT_EQ(tasks.size(), 1u) << tasks.dump(2);
  EXPECT_EQ(tasks[0].value("state", ""), "complete") << tasks.dump(2);
}

} // namespace
} // namespace troupe::itest
