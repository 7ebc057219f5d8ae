// Many tasks on one standalone node (issue 9): 2,000 `sleep` tasks all run,
// the API answers every request within 1s while they start, and SIGTERM
// stops the node with every one of them. A correctness test with generous
// bounds, not a benchmark (scripts/bench/scale.sh measures the figures).
#include <algorithm>

#include "messages/troupe.pb.h"
#include "tests/integration/harness.hpp"
#include "tests/integration/raw_zmtp.hpp"

namespace troupe::itest {
namespace {

constexpr int task_count = 2000;
constexpr int api_answer_limit_ms = 1000;

using many_tasks = agent_test;

int api_port(const agent& a) {
  return std::stoi(a.host().substr(a.host().rfind(':') + 1));
}

/// One `service ls` straight on the API (no CLI process start counted):
/// replicas running of `service`, or -1 with *error.
int running_of(int port, const std::string& service, int64_t* took_ms,
               std::string* error) {
  pb::Request req;
  req.mutable_list_services();
  std::string reply;
  auto t0 = now_ms();
  bool ok = zmtp_request(port, req.SerializeAsString(), &reply, 10000, error);
  *took_ms = now_ms() - t0;
  if (!ok)
    return -1;
  pb::Response resp;
  if (!resp.ParseFromString(reply) || !resp.error().empty()) {
    *error = "bad answer: " + resp.error();
    return -1;
  }
  for (const auto& s : resp.services())
    if (s.service().spec().name() == service)
      return static_cast<int>(s.replicas_running());
  return 0;
}

TEST_F(many_tasks, two_thousand_tasks_all_run_and_the_api_answers_within_a_second) {
  int stopped = -1;
  std::string error;
  ASSERT_TRUE(agent_->stop(&stopped));  // again with --stop-tasks (see the end)
  ASSERT_TRUE(agent_->start(&error, {"--stop-tasks"})) << error;
  auto stack = stack_file("many.toml",
                          "[stack]\nname = \"many\"\n\n"
                          "[services.sleep]\n"
                          "command = [\"sleep\", \"100000\"]\n"
                          "replicas = " + std::to_string(task_count) + "\n"
                          "stop_grace_period = \"10s\"\n");
  auto deploy = agent_->cli({"stack", "deploy", stack, "-d"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.describe();

  int port = api_port(*agent_);
  int64_t slowest = 0;
  int running = 0;
  bool all = wait_until(
    [&] {
      int64_t took = 0;
      running = running_of(port, "many_sleep", &took, &error);
      slowest = std::max(slowest, took);
      return running == task_count || running < 0;
    },
    300000, 250);
  ASSERT_TRUE(all && running == task_count)
    << running << " of " << task_count << " running; " << error;
  EXPECT_LT(slowest, api_answer_limit_ms) << "the slowest `service ls` took " << slowest << "ms";

  // Every task is a live process of its own (in its folder of the data dir).
  auto processes = processes_under(agent_->data_dir());
  EXPECT_EQ(processes.size(), static_cast<size_t>(task_count));

  auto ps = agent_->tasks("many_sleep");
  ASSERT_TRUE(ps.is_array());
  EXPECT_EQ(running_tasks(ps).size(), static_cast<size_t>(task_count));

  // SIGTERM (--stop-tasks) stops the node and every task within the stop grace period
  // (and the harness's generous bound for a loaded machine).
  int code = -1;
  ASSERT_TRUE(agent_->stop(&code, 60000)) << "the node did not stop within 60s";
  EXPECT_EQ(code, 0);
  std::vector<int> left;
  wait_until([&] { left = processes_under(agent_->data_dir()); return left.empty(); },
             10000);
  EXPECT_TRUE(left.empty()) << left.size() << " task processes outlived the node";
}

} // namespace
} // namespace troupe::itest
