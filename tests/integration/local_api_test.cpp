// The local API: a unix socket in the data dir (mode 0660) that the CLI finds
// by default; and the console refuses to kill the node's core actors.
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using local_api = agent_test;

TEST_F(local_api, the_data_dir_holds_a_0660_socket_the_cli_finds_by_default) {
  auto sock = agent_->data_dir() + "/api.sock";
  struct stat st{};
  ASSERT_EQ(stat(sock.c_str(), &st), 0) << "no " << sock << "\n" << agent_->log();
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  auto r = run_command({TROUPE_BINARY, "node", "ls", "--host", "ipc://" + sock}, dir_.path());
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("n1"), std::string::npos) << r.out;

  // Without --host or $TROUPE_HOST the CLI uses ./troupe-data/api.sock.
  auto cwd = dir_.file("elsewhere");
  ASSERT_EQ(::mkdir(cwd.c_str(), 0755), 0);
  ASSERT_EQ(::symlink(agent_->data_dir().c_str(), (cwd + "/troupe-data").c_str()), 0);
  auto d = run_command({"/usr/bin/env", "-u", "TROUPE_HOST", "/bin/sh", "-c",
                        "cd '" + cwd + "' && exec '" TROUPE_BINARY "' node ls"},
                       dir_.path());
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_NE(d.out.find("n1"), std::string::npos) << d.out;

  // Nothing listening there: one sentence at once, not a 10s wait.
  auto none = run_command({"/usr/bin/env", "-u", "TROUPE_HOST", "/bin/sh", "-c",
                           "cd '" + dir_.path() + "' && exec '" TROUPE_BINARY "' node ls"},
                          dir_.path(), 5000);
  EXPECT_EQ(none.exit_code, 1) << none.describe();
  EXPECT_NE(none.err.find("troupe: cannot reach the node at ipc://"), std::string::npos)
      << none.describe();
}

TEST_F(local_api, the_console_refuses_to_kill_core_actors_and_the_node_keeps_running) {
  for (const char* core : {"raft", "store", "api", "dispatcher", "agent", "events"}) {
    auto r = agent_->cli({"console", "--exec", std::string("kill ") + core});
    EXPECT_EQ(r.exit_code, 1) << core << ": " << r.describe();
    EXPECT_NE(r.err.find("is one of the node's core actors and cannot be killed"),
              std::string::npos)
        << core << ": " << r.describe();
  }
  EXPECT_TRUE(process_alive(agent_->pid())) << agent_->log();
  auto r = agent_->cli({"node", "ls"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  auto s = agent_->cli({"cluster", "status"});
  EXPECT_EQ(s.exit_code, 0) << s.describe();
}

} // namespace
} // namespace troupe::itest
