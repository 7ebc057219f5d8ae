// Rolling updates, rollbacks and health checks seen from the CLI, with the
// process driver and short intervals: busybox httpd tasks with an http
// health check are updated start-first and rolled back; a failing version
// rolls back by itself; a task whose check fails turns unhealthy and is
// restarted; bad input changes nothing.
#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

class update_test : public agent_test {
protected:
  std::string web_stack(const std::string& failure_action = "pause") {
    run_command({"mkdir", "-p", dir_.file("www")}, dir_.path());
    write_file(dir_.file("www/index.html"), "v1\n");
    return stack_file(
      "web.toml",
      "[stack]\nname = \"app\"\n\n"
      "[services.web]\n"
      "command = [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", "
      "\"${TROUPE_PORT_HTTP}\", \"-h\", \"" + dir_.file("www") + "\"]\n"
      "replicas = 2\nstop_grace_period = \"1s\"\n"
      "ports = [{ name = \"http\", target = 8080 }]\n"
      "env = { V = \"1\" }\n"
      "[services.web.health]\nhttp = \"/\"\ninterval = \"200ms\"\n"
      "timeout = \"1s\"\nretries = 2\n"
      "[services.web.restart]\ndelay = \"100ms\"\n"
      "[services.web.update]\norder = \"start-first\"\nmonitor = \"500ms\"\n"
      "failure_action = \"" + failure_action + "\"\n"
      "[services.web.rollback]\norder = \"start-first\"\nmonitor = \"500ms\"\n");
  }
  std::string update_state(const std::string& service) {
    auto j = agent_->cli_json({"service", "inspect", service});
    if (!j.is_object() || !j.contains("update_status"))
      return "";
    return j["update_status"].value("state", "");
  }
  // Running tasks, each with its V.
  std::vector<std::string> running_versions(const std::string& service) {
    std::vector<std::string> out;
    for (const auto& t : running_tasks(agent_->tasks(service)))
      if (t.value("desired_state", "") == "running")
        out.push_back(t.value("health", "") + ":"
                      + std::to_string(t.value("spec_version", 0)));
    return out;
  }
};

TEST_F(update_test, start_first_update_then_rollback) {
  auto r = agent_->cli({"stack", "deploy", web_stack(), "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_TRUE(wait_until([&] {
    return running_versions("app_web") == std::vector<std::string>{"healthy:1", "healthy:1"};
  }, 30000)) << agent_->tasks("app_web").dump(2);

  auto table = agent_->cli({"service", "ps", "app_web"});
  EXPECT_NE(table.out.find("HEALTH"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("healthy"), std::string::npos) << table.out;

  r = agent_->cli({"service", "update", "app_web", "--env", "V=2", "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("app_web: updating"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("service app_web updated"), std::string::npos) << r.out;
  EXPECT_EQ(update_state("app_web"), "completed");
  ASSERT_TRUE(wait_until([&] {
    return running_versions("app_web") == std::vector<std::string>{"healthy:2", "healthy:2"};
  }, 20000)) << agent_->tasks("app_web").dump(2);
  size_t live = 0;
  for (const auto& t : agent_->tasks("app_web"))
    live += t.value("desired_state", "") == "running";
  EXPECT_EQ(live, 2u) << "old tasks are shut down";

  auto text = agent_->cli({"service", "inspect", "app_web"});
  EXPECT_NE(text.out.find("completed"), std::string::npos) << text.out;

  r = agent_->cli({"service", "rollback", "app_web", "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe() << agent_->tasks("app_web").dump(1)
                            << agent_->cli({"service", "inspect", "app_web"}).out;
  EXPECT_NE(r.out.find("rolled back"), std::string::npos) << r.out;
  EXPECT_EQ(update_state("app_web"), "rolled_back");
  auto j = agent_->cli_json({"service", "inspect", "app_web"});
  EXPECT_EQ(j["spec"]["env"].value("V", ""), "1") << j.dump(2);
  EXPECT_EQ(j.value("spec_version", 0), 1) << "back on the first spec";
  ASSERT_TRUE(wait_until([&] {
    return running_versions("app_web") == std::vector<std::string>{"healthy:1", "healthy:1"};
  }, 20000)) << agent_->tasks("app_web").dump(2);

  // A new replica count alone is a scale: no rollout, waits for 3 running.
  r = agent_->cli({"service", "update", "app_web", "--replicas", "3", "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("3/3 running"), std::string::npos) << r.out;
  EXPECT_EQ(update_state("app_web"), "rolled_back") << "the last rollout stays shown";
}

TEST_F(update_test, failing_version_rolls_back_by_itself) {
  auto r = agent_->cli({"stack", "deploy", web_stack("rollback"), "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = agent_->cli({"service", "update", "app_web", "--command", "sh -c 'exit 1'",
                   "--timeout", "60s"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("rolled back"), std::string::npos) << r.describe();
  EXPECT_EQ(update_state("app_web"), "rolled_back");
  auto text = agent_->cli({"service", "inspect", "app_web"});
  EXPECT_NE(text.out.find("rolled back: update failed"), std::string::npos)
    << text.out;
  ASSERT_TRUE(wait_until([&] {
    return running_versions("app_web") == std::vector<std::string>{"healthy:1", "healthy:1"};
  }, 30000)) << agent_->tasks("app_web").dump(2);
}

TEST_F(update_test, redeploy_rolls_out_and_stops_waiting_when_it_pauses) {
  auto file = web_stack("pause");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto text = read_file(file);
  auto at = text.find("V = \"1\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "V = \"2\"");
  at = text.find("command = [");
  text.replace(at, text.find('\n', at) - at,
               "command = [\"/bin/sh\", \"-c\", \"exit 1\"]");
  write_file(file, text);
  r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("update paused"), std::string::npos) << r.describe();
  EXPECT_EQ(update_state("app_web"), "paused");
  auto inspect = agent_->cli({"service", "inspect", "app_web"});
  EXPECT_NE(inspect.out.find("paused: update paused: task app_web."), std::string::npos)
    << inspect.out;
  size_t old_running = 0;
  for (const auto& t : running_tasks(agent_->tasks("app_web")))
    old_running += t.value("spec_version", 0) == 1;
  EXPECT_EQ(old_running, 2u) << "start-first: the old tasks keep serving";
}

TEST_F(update_test, bad_input_changes_nothing) {
  auto r = agent_->cli({"stack", "deploy", web_stack(), "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto before = agent_->cli_json({"service", "inspect", "app_web"});
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& b : std::vector<bad>{
         {{"service", "update", "app_nope", "--env", "A=1"}, "no service named"},
         {{"service", "update", "app_web", "--env-rm", "NOPE"}, "no environment variable"},
         {{"service", "update", "app_web", "--replicas", "x"}, "--replicas"},
         {{"service", "update", "app_web", "--update-order", "sideways"}, "--update-order"},
         {{"service", "update", "app_web", "--env", "V=1"}, "already has this spec"},
         {{"service", "rollback", "app_web"}, "no previous spec"},
         {{"service", "rollback", "app_nope"}, "no service named"}}) {
    auto res = agent_->cli(b.args);
    EXPECT_EQ(res.exit_code, 1) << res.describe();
    EXPECT_NE(res.err.find(b.says), std::string::npos) << res.describe();
    EXPECT_EQ(std::count(res.err.begin(), res.err.end(), '\n'), 1) << res.err;
  }
  auto after = agent_->cli_json({"service", "inspect", "app_web"});
  EXPECT_EQ(before["spec"], after["spec"]);
  EXPECT_EQ(before.value("spec_version", 0), after.value("spec_version", 0));
}

TEST_F(update_test, failing_health_check_restarts_the_task) {
  auto file = stack_file(
    "sick.toml",
    "[stack]\nname = \"sick\"\n\n"
    "[services.deaf]\n"
    "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\"]\n"
    "replicas = 1\nstop_grace_period = \"1s\"\n"
    "ports = [{ name = \"tcp\", target = 9000 }]\n"
    "[services.deaf.health]\ntcp = true\ninterval = \"200ms\"\n"
    "timeout = \"500ms\"\nretries = 2\n"
    "[services.deaf.restart]\ndelay = \"100ms\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "-d"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  json seen;
  ASSERT_TRUE(wait_until([&] {
    auto tasks = agent_->tasks("sick_deaf");
    for (const auto& t : tasks)
      if (t.value("restarts", 0) >= 1
          && t.value("message", "").find("unhealthy") != std::string::npos) {
        seen = t;
        return true;
      }
    return false;
  }, 30000)) << agent_->tasks("sick_deaf").dump(2);
  EXPECT_NE(seen.value("health", ""), "") << seen.dump(2);
  auto table = agent_->cli({"service", "ps", "sick_deaf"});
  EXPECT_NE(table.out.find("HEALTH"), std::string::npos) << table.out;
}

} // namespace
} // namespace troupe::itest

// ---------------------------------------------------------------------------
// A manager failover in the middle of a rolling update: the new leader's
// service actor goes on from the replicated update status.
#include "tests/integration/cluster_harness.hpp"

namespace troupe::itest {
namespace {

using update_failover = cluster_test;

TEST_F(update_failover, a_new_leader_continues_the_update) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto file = cluster_->file(
    "roll.toml",
    "[stack]\nname = \"roll\"\n\n[services.loop]\n"
    "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done # rollmark\"]\n"
    "replicas = 4\nstop_grace_period = \"1s\"\nenv = { V = \"1\" }\n"
    "[services.loop.update]\nparallelism = 1\nmonitor = \"1500ms\"\n");
  auto r = cluster_->cli(leader, {"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = cluster_->cli(leader, {"service", "update", "roll_loop", "--env", "V=2", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto survivors = cluster_->managers_except({leader});
  auto status_through = [&](const std::string& m) {
    auto j = cluster_->cli_json(m, {"service", "inspect", "roll_loop"});
    return j.is_object() && j.contains("update_status") ? j["update_status"] : json{};
  };
  ASSERT_TRUE(wait_until([&] {
    auto s = status_through(survivors.front());
    return s.is_object() && s.value("updated", 0) >= 1;
  }, 30000)) << status_through(survivors.front()).dump();
  cluster_->kill9(leader);
  auto next = cluster_->wait_leader(survivors, 30000, leader);
  ASSERT_FALSE(next.empty());
  json last;
  EXPECT_TRUE(wait_until([&] {
    last = status_through(next);
    return last.is_object() && last.value("state", "") == "completed";
  }, 90000)) << last.dump();
  EXPECT_EQ(last.value("updated", 0), 4) << last.dump();
  auto tasks = cluster_->cli_json(next, {"service", "ps", "roll_loop"});
  int live_new = 0, live_old = 0;
  for (const auto& t : tasks)
    if (t.value("desired_state", "") == "running" && t.value("state", "") == "running")
      (t.value("spec_version", 0) == 2 ? live_new : live_old)++;
  EXPECT_EQ(live_new, 4) << tasks.dump(1);
  EXPECT_EQ(live_old, 0) << tasks.dump(1);
}

} // namespace
} // namespace troupe::itest

// ---------------------------------------------------------------------------
// A cmd health check of an oci task runs inside its container (runc exec).
#include <unistd.h>

namespace troupe::itest {
namespace {

using oci_health = oci_agent_test;

TEST_F(oci_health, cmd_check_runs_in_the_container) {
  // /www/index.html exists only inside the busybox image: a check that
  // passes proves it ran in the container, not on the host.
  auto file = stack_file(
    "oci.toml",
    "[stack]\nname = \"ocih\"\n\n"
    "[services.web]\ndriver = \"oci\"\nimage = \"busybox\"\n"
    "command = [\"httpd\", \"-f\", \"-p\", \"${TROUPE_PORT_HTTP}\", \"-h\", \"/www\"]\n"
    "stop_grace_period = \"1s\"\nreplicas = 1\n"
    "ports = [{ name = \"http\", target = 8080 }]\n"
    "[services.web.health]\ncmd = [\"test\", \"-f\", \"/www/index.html\"]\n"
    "interval = \"300ms\"\ntimeout = \"2s\"\nretries = 2\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "90s"}, 150000);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  json task;
  EXPECT_TRUE(wait_until([&] {
    auto running = running_tasks(agent_->tasks("ocih_web"));
    if (running.size() != 1)
      return false;
    task = running[0];
    return task.value("health", "") == "healthy";
  }, 30000)) << task.dump(2);
  auto rm = agent_->cli({"stack", "rm", "ocih"});
  EXPECT_EQ(rm.exit_code, 0) << rm.describe();
  EXPECT_TRUE(wait_until([&] { return runc_containers_of("ocih", dir_.path()).empty(); },
                         30000))
    << "stack rm leaves no container";
}

} // namespace
} // namespace troupe::itest
