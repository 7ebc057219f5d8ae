// Volumes on a standalone node (process driver): a local volume keeps its
// data across a task's restart and its replacement by an update; per_slot
// gives each replica its own; `volume rm` refuses a volume in use and
// `stack rm --volumes` removes the data; a bind volume runs only on a node
// whose bind_prefixes allow it; bad input changes nothing.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using volume_test = agent_test;

int line_count(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    ++n;
  return n;
}

std::set<std::string> volume_names(const json& list) {
  std::set<std::string> out;
  if (list.is_array())
    for (const auto& v : list)
      out.insert(v.value("name", ""));
  return out;
}

const char* notes_stack =
  "[stack]\nname = \"notes\"\n\n"
  "[volumes.shared]\n\n"
  "[volumes.own]\nper_slot = true\n\n"
  "[services.w]\n"
  "command = [\"/bin/sh\", \"-c\", \"echo $TROUPE_TASK_SLOT >> $TROUPE_VOLUME_SHARED/log; "
  "echo start >> $TROUPE_VOLUME_OWN/starts; exec sleep 1000\"]\n"
  "replicas = 2\nstop_grace_period = \"1s\"\n"
  "mounts = [{ volume = \"shared\", target = \"/shared\" }, { volume = \"own\", target = \"/own\" }]\n"
  "[services.w.restart]\ncondition = \"any\"\ndelay = \"100ms\"\n"
  "[services.w.update]\nmonitor = \"100ms\"\n";

TEST_F(volume_test, a_local_volume_outlives_its_tasks_until_removed_with_its_stack) {
  auto r = agent_->cli({"stack", "deploy", stack_file("notes.toml", notes_stack),
                        "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string vols = agent_->data_dir() + "/volumes/";
  auto list = agent_->cli_json({"volume", "ls"});
  EXPECT_EQ(volume_names(list),
            (std::set<std::string>{"notes_shared", "notes_own.1", "notes_own.2"}))
    << list.dump(2);
  for (const auto& v : list)
    EXPECT_EQ(v.value("node", ""), "n1") << v.dump();
  ASSERT_TRUE(wait_until([&] { return line_count(vols + "notes_shared/log") == 2; }, 10000))
    << "both replicas write into the one shared folder";

  // A killed task restarts with the same data.
  auto running = running_tasks(agent_->tasks("notes_w"));
  ASSERT_EQ(running.size(), 2u);
  int slot = running[0].value("slot", 0);
  ASSERT_EQ(kill(running[0].value("pid", 0), SIGKILL), 0);
  const std::string starts = vols + "notes_own." + std::to_string(slot) + "/starts";
  EXPECT_TRUE(wait_until([&] { return line_count(starts) == 2; }, 30000))
    << "slot " << slot << "'s own volume saw its restart";

  // An update replaces both tasks: the new ones find the old data.
  r = agent_->cli({"service", "update", "notes_w", "--env", "V=2", "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(wait_until([&] { return line_count(vols + "notes_shared/log") == 5; }, 30000))
    << "2 starts, 1 restart, 2 replacements: " << read_file(vols + "notes_shared/log");

  r = agent_->cli({"volume", "rm", "notes_shared"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("volume notes_shared is in use by task notes_w."), std::string::npos)
    << r.describe();
  EXPECT_TRUE(std::filesystem::exists(vols + "notes_shared/log")) << "a refused rm removes nothing";
  r = agent_->cli({"volume", "rm", "nope"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no volume named 'nope'"), std::string::npos) << r.describe();

  r = agent_->cli({"stack", "rm", "notes", "--volumes", "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("volume notes_shared removed"), std::string::npos) << r.describe();
  EXPECT_TRUE(volume_names(agent_->cli_json({"volume", "ls"})).empty());
  EXPECT_FALSE(std::filesystem::exists(vols + "notes_shared"));
  EXPECT_FALSE(std::filesystem::exists(vols + "notes_own.1"));
}

TEST_F(volume_test, a_bind_volume_runs_only_where_the_node_allows_its_path) {
  const std::string host = dir_.file("host-site");
  std::filesystem::create_directories(host);
  write_file(host + "/index", "from the host\n");
  auto file = stack_file("site.toml",
    "[stack]\nname = \"site\"\n\n"
    "[volumes.site]\ndriver = \"bind\"\npath = \"" + host + "\"\n\n"
    "[services.s]\n"
    "command = [\"/bin/sh\", \"-c\", \"cat $TROUPE_VOLUME_SITE/index; exec sleep 1000\"]\n"
    "stop_grace_period = \"1s\"\n"
    "mounts = [{ volume = \"site\", target = \"/site\", read_only = true }]\n");
  auto r = agent_->cli({"stack", "deploy", file, "-d"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string why;
  EXPECT_TRUE(wait_until([&] {
    auto tasks = agent_->tasks("site_s");
    if (!tasks.is_array() || tasks.empty())
      return false;
    why = tasks[0].value("message", "");
    return why.find("bind_prefixes") != std::string::npos;
  }, 30000)) << "a node with no bind_prefixes takes no bind volume: " << why;
  EXPECT_TRUE(running_tasks(agent_->tasks("site_s")).empty());

  // The node's config allows the folder: after a restart the task runs.
  int code = 0;
  ASSERT_TRUE(agent_->stop(&code));
  std::ofstream(agent_->config_path(), std::ios::app)
    << "bind_prefixes = [\"" << dir_.path() << "\"]\n";
  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  EXPECT_TRUE(wait_until([&] { return running_tasks(agent_->tasks("site_s")).size() == 1; },
                         30000))
    << agent_->tasks("site_s").dump(2);
  EXPECT_TRUE(wait_until([&] {
    return agent_->cli({"service", "logs", "site_s"}).out.find("from the host")
           != std::string::npos;
  }, 10000)) << "the task reads the host folder";
  EXPECT_TRUE(volume_names(agent_->cli_json({"volume", "ls"})).empty())
    << "a bind volume has no record";
  r = agent_->cli({"stack", "rm", "site", "--volumes", "--timeout", "60s"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(std::filesystem::exists(host + "/index")) << "--volumes never touches a bind path";
}

TEST_F(volume_test, a_mistaken_volume_is_refused_and_changes_nothing) {
  auto file = stack_file("bad.toml",
    "[stack]\nname = \"bad\"\n\n"
    "[volumes.scratch]\ndriver = \"tmpfs\"\n\n"
    "[services.s]\ncommand = [\"sleep\", \"1000\"]\n"
    "mounts = [{ volume = \"scratch\", target = \"/tmp/s\" }, { volume = \"data\", target = \"/d\" }]\n");
  auto r = agent_->cli({"stack", "deploy", file, "-d"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("services.s.mounts[0].volume: tmpfs volume \"scratch\" needs driver = "
                       "\"oci\""), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("services.s.mounts[1].volume: names volume \"data\", which the stack "
                       "does not declare under [volumes]"), std::string::npos) << r.describe();
  auto stacks = agent_->cli_json({"stack", "ls"});
  EXPECT_TRUE(stacks.is_array() && stacks.empty()) << stacks.dump();
}

} // namespace
} // namespace troupe::itest
