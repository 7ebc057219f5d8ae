// `troupe exec` end to end on a standalone node: a command run in a process
// task's env, folder and cgroup, its output, stdin and exit code carried
// through the API; a signal to the client reaches the command; -it in tmux
// (a terminal, its size, Ctrl-C, exit); inside an oci container (runc
// exec: the container's pid namespace); bad input gets a sentence and 125.
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

/// `troupe --host HOST exec ARGS...` (options after the task are the
/// command's, so --host goes first).
run_result exec_on(const agent& a, const std::string& scratch,
                   std::vector<std::string> args) {
  args.insert(args.begin(), {TROUPE_BINARY, "--host", a.host(), "exec"});
  return run_command(args, scratch, 60000);
}

class exec_cmd : public agent_test {
protected:
  /// Deploys one `sleep` task with FOO=bar; returns its task id.
  std::string deploy_sleeper() {
    auto file = stack_file("ex.toml",
                           "[stack]\nname = \"ex\"\n\n[services.s]\n"
                           "command = [\"sleep\", \"1000\"]\nreplicas = 1\n"
                           "stop_grace_period = \"1s\"\nenv = { FOO = \"bar\" }\n");
    auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto running = running_tasks(agent_->tasks("ex_s"));
    EXPECT_EQ(running.size(), 1u);
    return running.empty() ? "" : running[0].value("id", "");
  }

  run_result exec(std::vector<std::string> args) const {
    return exec_on(*agent_, dir_.path(), std::move(args));
  }

  /// `sh -c SCRIPT` with `troupe` in $1 and the node's address in $2.
  run_result shell(const std::string& script) {
    return run_command({"sh", "-c", script, "sh", TROUPE_BINARY, agent_->host()},
                       dir_.path(), 60000);
  }
};

TEST_F(exec_cmd, runs_in_the_task_with_its_env_folder_and_exit_code) {
  auto id = deploy_sleeper();
  ASSERT_FALSE(id.empty());
  for (const auto& name : {id, std::string("ex_s.1")}) {
    auto r = exec({name, "--", "sh", "-c",
                          "echo out $FOO $TROUPE_TASK_ID; pwd; echo err >&2; exit 7"});
    EXPECT_EQ(r.exit_code, 7) << r.describe();
    EXPECT_NE(r.out.find("out bar " + id), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("/tasks/" + id), std::string::npos) << "pwd: " << r.describe();
    EXPECT_EQ(r.err, "err\n") << r.describe();
  }
  // Options after the task belong to the command, without `--` too.
  auto r = exec({"ex_s.1", "ls", "-a", "/"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find(".."), std::string::npos) << r.describe();
}

TEST_F(exec_cmd, stdin_reaches_the_command_with_i_and_not_without) {
  deploy_sleeper();
  auto r = shell("printf 'one\\ntwo\\nthree\\n' | \"$1\" --host \"$2\" exec -i ex_s.1 -- wc -l");
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("3"), std::string::npos) << r.describe();
  r = shell("printf 'one\\n' | \"$1\" --host \"$2\" exec ex_s.1 -- wc -l");
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("0"), std::string::npos) << "no -i: stdin is empty; " << r.describe();
  // Large output arrives whole.
  r = exec({"ex_s.1", "--", "sh", "-c", "seq 1 200000"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 1288895u) << "seq 1 200000 prints 1,288,895 bytes";
}

TEST_F(exec_cmd, a_signal_to_the_client_reaches_the_command) {
  deploy_sleeper();
  auto log = dir_.file("exec.log");
  int pid = spawn_logged({TROUPE_BINARY, "--host", agent_->host(), "exec", "ex_s.1", "--",
                          "sh", "-c", "echo started; exec sleep 271"},
                         log);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(wait_until([&] { return read_file(log).find("started") != std::string::npos; },
                         20000))
    << read_file(log);
  ::kill(pid, SIGINT);
  int status = 0;
  bool ended = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 20000);
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(ended) << "troupe exec did not end after SIGINT";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT) << read_file(log);
  EXPECT_TRUE(processes_with("sleep 271").empty()) << "the command is gone with its signal";
}

TEST_F(exec_cmd, bad_input_gets_a_sentence_and_125) {
  deploy_sleeper();
  auto r = exec({"nosuch.1", "--", "true"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("no task named nosuch.1"), std::string::npos) << r.describe();
  r = exec({"ex_s.1"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("give the command"), std::string::npos) << r.describe();
  r = exec({"ex_s.1", "--", "no-such-program-here"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("no-such-program-here"), std::string::npos) << r.describe();
  r = exec({"-t", "ex_s.1", "--", "true"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("not a terminal"), std::string::npos) << r.describe();
  // The task still runs, untouched.
  EXPECT_EQ(running_tasks(agent_->tasks("ex_s")).size(), 1u);
}

/// A tmux server of the test's own, ended with it.
class tmux_server {
public:
  explicit tmux_server(const std::string& scratch)
    : scratch_(scratch), sock_("troupe-exec-" + std::to_string(::getpid())) {}
  ~tmux_server() { run({"kill-server"}); }
  run_result run(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"tmux", "-f", "/dev/null", "-L", sock_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, scratch_, 10000);
  }
  std::string screen() const { return run({"capture-pane", "-p", "-t", "x"}).out; }
  bool shows(const std::string& text, int timeout_ms = 15000) const {
    return wait_until([&] { return screen().find(text) != std::string::npos; }, timeout_ms);
  }
  /// "ROWSxCOLS" of the pane, as stty inside it should say.
  std::string pane_size() const {
    auto out = run({"display-message", "-p", "-t", "x", "#{pane_height}x#{pane_width}"}).out;
    return out.substr(0, out.find('\n'));
  }
  void keys(std::vector<std::string> keys) const {
    std::vector<std::string> args = {"send-keys", "-t", "x"};
    args.insert(args.end(), keys.begin(), keys.end());
    run(args);
  }

private:
  std::string scratch_, sock_;
};

/// Drives `troupe exec -it TASK -- sh` in tmux: the terminal, its size (at
/// start and after a resize), Ctrl-C to a foreground command, exit code.
void drive_shell_in_tmux(const std::string& scratch, const std::string& host,
                         const std::string& task) {
  tmux_server tmux(scratch);
  auto code_file = scratch + "/exec-exit";
  auto cmd = std::string(TROUPE_BINARY) + " --host " + host + " exec -it " + task
             + " -- sh; echo $? > " + code_file + "; sleep 30";
  auto r = tmux.run({"new-session", "-d", "-x", "120", "-y", "40", "-s", "x", cmd});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  tmux.keys({"echo READY-$((40+2))", "Enter"});
  ASSERT_TRUE(tmux.shows("READY-42")) << tmux.screen();
  tmux.keys({"echo S1-$(stty size | tr ' ' x); tty", "Enter"});
  EXPECT_TRUE(tmux.shows("S1-" + tmux.pane_size())) << tmux.screen();
  EXPECT_TRUE(tmux.shows("/dev/pts/")) << tmux.screen();
  tmux.run({"resize-window", "-t", "x", "-x", "100", "-y", "30"});
  auto resized = tmux.pane_size();
  EXPECT_NE(resized.find("x100"), std::string::npos) << resized;
  // The new size travels with the client's next round: ask until it shows.
  EXPECT_TRUE(wait_until([&] {
    tmux.keys({"echo S2-$(stty size | tr ' ' x)", "Enter"});
    return tmux.shows("S2-" + resized, 2000);
  }, 20000, 0)) << tmux.screen();
  tmux.keys({"sleep 300", "Enter"});
  // Ctrl-C once it runs: sent while the shell is still starting it, the
  // SIGINT would reach the shell instead and leave the sleep running.
  EXPECT_TRUE(wait_until([] { return !processes_with("sleep 300").empty(); }, 15000))
    << tmux.screen();
  tmux.keys({"C-c"});
  tmux.keys({"echo AFTER-$?", "Enter"});
  EXPECT_TRUE(tmux.shows("AFTER-130")) << "Ctrl-C ends the foreground command\n"
                                       << tmux.screen();
  tmux.keys({"exit 3", "Enter"});
  EXPECT_TRUE(wait_until([&] { return read_file(code_file) == "3\n"; }, 15000))
    << "exit code: '" << read_file(code_file) << "'\n" << tmux.screen();
}

TEST_F(exec_cmd, it_in_tmux_is_a_terminal_with_its_size_ctrl_c_and_exit_code) {
  deploy_sleeper();
  drive_shell_in_tmux(dir_.path(), agent_->host(), "ex_s.1");
  EXPECT_TRUE(processes_with("sleep 300").empty());
}

using exec_oci = oci_agent_test;

TEST_F(exec_oci, runs_inside_the_container_with_and_without_a_terminal) {
  auto file = stack_file("exo.toml",
                         "[stack]\nname = \"exo\"\n\n[services.c]\n"
                         "driver = \"oci\"\nimage = \"busybox\"\n"
                         "command = [\"sleep\", \"1000\"]\nreplicas = 1\n"
                         "stop_grace_period = \"1s\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "90s"}, 150000);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // Its pid 1 is the task's own command: the container's pid namespace.
  r = exec_on(*agent_, dir_.path(),
              {"exo_c.1", "--", "sh", "-c", "cat /proc/1/cmdline; exit 4"});
  EXPECT_EQ(r.exit_code, 4) << r.describe();
  EXPECT_NE(r.out.find("sleep"), std::string::npos) << r.describe();
  drive_shell_in_tmux(dir_.path(), agent_->host(), "exo_c.1");
  r = agent_->cli({"stack", "rm", "exo"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

} // namespace
} // namespace troupe::itest
