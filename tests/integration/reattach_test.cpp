// Tasks outlive their agent: each runs under a shim of its own, so an agent
// that is killed (kill -9) or stopped (SIGTERM, live restore by default)
// leaves them running, and the agent that starts next on the same data dir
// re-attaches to them: same pids, restarts not counted. A task that ended
// while no agent watched is reported with its exit and restarted under its
// policy; a task whose shim is killed is treated as failed and restarted,
// with nothing left behind. The same for oci containers (reattach_oci):
// same container ids and pids after kill -9, and `stack rm` then leaves no
// container, process or cgroup.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

namespace fs = std::filesystem;

/// Task id -> pid of the running tasks of a service.
std::map<std::string, int> pids_by_task(const json& tasks) {
  std::map<std::string, int> out;
  for (const auto& t : running_tasks(tasks))
    out[t.value("id", "")] = t.value("pid", 0);
  return out;
}

/// Container records in the node's task folders.
size_t records_under(const std::string& data_dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(data_dir + "/tasks", ec))
    n += fs::exists(dir.path() / "container.record") ? 1 : 0;
  return n;
}

/// The shim process of a task (its argv names the task's folder).
int shim_of(const std::string& data_dir, const std::string& task_id) {
  for (int pid : processes_with("--dir " + data_dir + "/tasks/" + task_id + " ", true))
    if (is_shim(pid))
      return pid;
  return 0;
}

class reattach : public agent_test {
protected:
  const std::string marker = "troupe-reattach-marker-" + std::to_string(getpid());

  /// Deploys `replicas` shell loops (each argv carries the marker).
  std::map<std::string, int> deploy(int replicas) {
    auto file = stack_file("keep.toml",
                           "[stack]\nname = \"keep\"\n\n"
                           "[services.loop]\n"
                           "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\", \"" +
                               marker + "\"]\n"
                           "replicas = " + std::to_string(replicas) +
                           "\nstop_grace_period = \"2s\"\n");
    auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return pids_by_task(agent_->tasks("keep_loop"));
  }

  /// Waits until `service ps` shows `n` running tasks, each with a live pid,
  /// for which `ok` holds; the last ones seen.
  std::map<std::string, int> wait_running(
      size_t n, const std::function<bool(const std::map<std::string, int>&)>& ok) {
    std::map<std::string, int> now;
    wait_until([&] {
      now = pids_by_task(agent_->tasks("keep_loop"));
      return now.size() == n
             && std::all_of(now.begin(), now.end(),
                            [](const auto& p) { return process_alive(p.second); })
             && ok(now);
    }, 30000, 100);
    return now;
  }

  /// The tasks' own processes (their shims' argv holds the marker too).
  std::set<int> task_processes() const {
    std::set<int> out;
    for (int pid : processes_with(marker))
      if (!is_shim(pid))
        out.insert(pid);
    return out;
  }

  static std::set<int> values(const std::map<std::string, int>& m) {
    std::set<int> out;
    for (const auto& [id, pid] : m)
      out.insert(pid);
    return out;
  }

  /// stack rm leaves no task process, shim, or record.
  void remove_and_check() {
    auto rm = agent_->cli({"stack", "rm", "keep"});
    ASSERT_EQ(rm.exit_code, 0) << rm.describe();
    EXPECT_TRUE(wait_until([&] { return task_processes().empty(); }, 30000));
    EXPECT_TRUE(wait_until([&] {
      return processes_under(agent_->data_dir(), true).empty();
    }, 30000)) << processes_under(agent_->data_dir(), true).size()
               << " processes (tasks or shims) left";
    EXPECT_TRUE(wait_until([&] { return records_under(agent_->data_dir()) == 0; }, 30000))
        << records_under(agent_->data_dir()) << " records left";
  }
};

TEST_F(reattach, killed_agent_reattaches_to_its_tasks_with_the_same_pids) {
  auto before = deploy(3);
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(task_processes(), values(before));
  for (const auto& [id, pid] : before) {
    EXPECT_GT(shim_of(agent_->data_dir(), id), 0) << "task " << id << " has no shim";
    EXPECT_NE(getpgid(shim_of(agent_->data_dir(), id)), getpgid(agent_->pid()));
  }

  agent_->crash();  // kill -9
  for (const auto& [id, pid] : before)
    EXPECT_TRUE(process_alive(pid)) << "task process " << pid << " died with its agent";

  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  auto after = wait_running(3, [&](const auto& now) { return now == before; });
  EXPECT_EQ(after, before) << "not the same tasks and pids after the restart";
  EXPECT_EQ(task_processes(), values(before)) << "processes other than the three tasks";
  for (const auto& t : agent_->tasks("keep_loop"))
    EXPECT_EQ(t.value("restarts", -1), 0) << t.dump();
  EXPECT_EQ(agent_->log().find("stopped leftover container"), std::string::npos)
      << agent_->log();

  // The re-attached tasks are watched: one killed now is restarted.
  auto victim = before.begin();
  ASSERT_EQ(kill(victim->second, SIGKILL), 0);
  auto again = wait_running(3, [&](const auto& now) {
    auto v = now.find(victim->first);
    return v != now.end() && v->second != victim->second;
  });
  ASSERT_NE(again[victim->first], victim->second) << agent_->tasks("keep_loop").dump(2);

  remove_and_check();
}

TEST_F(reattach, sigterm_leaves_tasks_running_and_the_next_start_reattaches) {
  auto before = deploy(2);
  ASSERT_EQ(before.size(), 2u);
  int code = -1;
  ASSERT_TRUE(agent_->stop(&code));
  EXPECT_EQ(code, 0) << agent_->log();
  EXPECT_NE(agent_->log().find("tasks keep running"), std::string::npos) << agent_->log();
  for (const auto& [id, pid] : before)
    EXPECT_TRUE(process_alive(pid)) << "task process " << pid << " stopped with its node";

  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  auto after = wait_running(2, [&](const auto& now) { return now == before; });
  EXPECT_EQ(after, before);
  for (const auto& t : agent_->tasks("keep_loop"))
    EXPECT_EQ(t.value("restarts", -1), 0) << t.dump();
  remove_and_check();
}

TEST_F(reattach, a_task_that_ended_while_the_agent_was_down_is_reported_and_restarted) {
  auto before = deploy(2);
  ASSERT_EQ(before.size(), 2u);
  agent_->crash();
  auto victim = *before.begin();
  auto survivor = *before.rbegin();
  ASSERT_EQ(kill(victim.second, SIGKILL), 0);
  // its shim reaps it and records the exit
  auto record = agent_->data_dir() + "/tasks/" + victim.first + "/exit.status";
  ASSERT_TRUE(wait_until([&] { return fs::exists(record); }, 10000));
  EXPECT_NE(read_file(record).find("exited 137 "), std::string::npos) << read_file(record);

  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  auto after = wait_running(2, [&](const auto& now) {
    auto v = now.find(victim.first);
    return v != now.end() && v->second != victim.second;
  });
  EXPECT_EQ(after[survivor.first], survivor.second) << "the survivor was not re-attached";
  EXPECT_NE(after[victim.first], victim.second);
  for (const auto& t : agent_->tasks("keep_loop"))
    if (t.value("id", "") == victim.first)
      EXPECT_EQ(t.value("restarts", -1), 1) << t.dump();

  // The restart says how and when it ended.
  auto ev = agent_->cli({"events", "--since", "1h", "--filter", "action=restarted",
                         "--filter", "subject=" + victim.first, "--count", "1",
                         "--format", "json"}, 30000);
  ASSERT_EQ(ev.exit_code, 0) << ev.describe();
  EXPECT_NE(ev.out.find("killed by SIGKILL at "), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("while the agent was down"), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("\"exit_code\":\"137\""), std::string::npos) << ev.out;
  remove_and_check();
}

TEST_F(reattach, a_task_whose_shim_is_killed_fails_and_is_restarted_without_leftovers) {
  auto before = deploy(2);
  ASSERT_EQ(before.size(), 2u);
  auto victim = *before.begin();
  int shim = shim_of(agent_->data_dir(), victim.first);
  ASSERT_GT(shim, 0);
  ASSERT_EQ(kill(shim, SIGKILL), 0);

  auto after = wait_running(2, [&](const auto& now) {
    auto v = now.find(victim.first);
    return v != now.end() && v->second != victim.second;
  });
  EXPECT_NE(after[victim.first], victim.second) << agent_->tasks("keep_loop").dump(2);
  EXPECT_TRUE(wait_until([&] { return !process_alive(victim.second); }, 10000))
      << "the task of the killed shim still runs";
  EXPECT_TRUE(wait_until([&] { return task_processes() == values(after); }, 10000))
      << "processes other than the two tasks";
  EXPECT_GT(shim_of(agent_->data_dir(), victim.first), 0) << "the restarted task has no shim";
  remove_and_check();
}

// An upgrade: the node ran from another binary (a copy with no troupe-shim
// beside it: its shims are `troupe shim`); the new one re-attaches.
TEST_F(reattach, an_agent_started_from_another_binary_reattaches) {
  int code = -1;
  ASSERT_TRUE(agent_->stop(&code));
  auto old_binary = agent_->root() + "/old/troupe";
  fs::create_directories(agent_->root() + "/old");
  fs::copy_file(TROUPE_BINARY, old_binary);
  agent_->set_binary(old_binary);
  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  auto before = deploy(2);
  ASSERT_EQ(before.size(), 2u);
  for (const auto& [id, pid] : before) {
    int shim = shim_of(agent_->data_dir(), id);
    ASSERT_GT(shim, 0);
    EXPECT_EQ(read_file("/proc/" + std::to_string(shim) + "/cmdline").rfind(old_binary + '\0' + "shim", 0), 0u)
        << "not the old binary's `troupe shim`";
  }
  agent_->crash();
  agent_->set_binary(TROUPE_BINARY);
  ASSERT_TRUE(agent_->start(&error)) << error;
  auto after = wait_running(2, [&](const auto& now) { return now == before; });
  EXPECT_EQ(after, before);
  remove_and_check();
}

TEST_F(reattach, the_shim_is_small) {
  auto before = deploy(1);
  ASSERT_EQ(before.size(), 1u);
  int shim = shim_of(agent_->data_dir(), before.begin()->first);
  ASSERT_GT(shim, 0);
  auto status = read_file("/proc/" + std::to_string(shim) + "/status");
  auto at = status.find("VmRSS:");
  ASSERT_NE(at, std::string::npos);
  long kib = std::atol(status.c_str() + at + 6);
  EXPECT_LE(kib, 1024) << "the shim's RSS is " << kib << " KiB";
  remove_and_check();
}

/// The cgroup folders troupe made for a container (its memory limit's).
std::vector<std::string> cgroups_of(const std::string& container_id) {
  std::vector<std::string> out;
  for (const char* root : {"/sys/fs/cgroup/memory/troupe/", "/sys/fs/cgroup/troupe/"})
    if (fs::exists(root + container_id))
      out.push_back(root + container_id);
  return out;
}

// The oci driver: three busybox containers survive kill -9 of their agent
// and are re-attached (same container ids and pids, restarts 0); `stack rm`
// afterwards leaves no container, process or cgroup.
class reattach_oci : public oci_agent_test {
protected:
  /// Task id -> "container id/pid" of the running tasks.
  std::map<std::string, std::string> containers() const {
    std::map<std::string, std::string> out;
    for (const auto& t : running_tasks(agent_->tasks("keepoci_box")))
      out[t.value("id", "")] = t.value("container_id", "") + "/"
                               + std::to_string(t.value("pid", 0));
    return out;
  }
};

TEST_F(reattach_oci, killed_agent_reattaches_to_its_containers) {
  auto file = stack_file("keepoci.toml",
                         "[stack]\nname = \"keepoci\"\n\n[services.box]\n"
                         "driver = \"oci\"\nimage = \"busybox\"\n"
                         "command = [\"sleep\", \"100000\"]\nreplicas = 3\n"
                         "stop_grace_period = \"1s\"\n\n"
                         "[services.box.resources]\nmemory = \"32MiB\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "90s"}, 150000);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto before = containers();
  ASSERT_EQ(before.size(), 3u) << agent_->tasks("keepoci_box").dump(2);
  auto ids = runc_containers_of("keepoci", dir_.path());
  ASSERT_EQ(ids.size(), 3u);
  std::vector<int> pids;
  for (const auto& t : running_tasks(agent_->tasks("keepoci_box")))
    pids.push_back(t.value("pid", 0));

  agent_->crash();  // kill -9
  for (int pid : pids)
    EXPECT_TRUE(process_alive(pid)) << "container process " << pid << " died with its agent";

  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  std::map<std::string, std::string> after;
  EXPECT_TRUE(wait_until([&] {
    after = containers();
    return after == before;
  }, 60000, 200)) << "not the same containers and pids after the restart";
  for (const auto& t : agent_->tasks("keepoci_box")) {
    EXPECT_EQ(t.value("restarts", -1), 0) << t.dump();
    EXPECT_NE(t.value("message", "").find("re-attached"), std::string::npos) << t.dump();
  }
  EXPECT_EQ(runc_containers_of("keepoci", dir_.path()), ids);
  bool limited = false;
  for (const auto& id : ids)
    limited = limited || !cgroups_of(id).empty();

  auto rm = agent_->cli({"stack", "rm", "keepoci"});
  ASSERT_EQ(rm.exit_code, 0) << rm.describe();
  std::set<std::string> left;
  EXPECT_TRUE(wait_until([&] {
    left = runc_containers_of("keepoci", dir_.path());
    return left.empty();
  }, 30000, 200)) << left.size() << " containers left";
  EXPECT_TRUE(wait_until([&] {
    return std::none_of(pids.begin(), pids.end(), process_alive);
  }, 30000)) << "a container's process still runs";
  EXPECT_TRUE(wait_until([&] {
    return processes_under(agent_->data_dir(), true).empty();
  }, 30000)) << "shims or tasks left";
  if (limited)
    for (const auto& id : ids)
      EXPECT_TRUE(wait_until([&] { return cgroups_of(id).empty(); }, 30000))
          << "cgroup of " << id << " left";
}

} // namespace
} // namespace troupe::itest
