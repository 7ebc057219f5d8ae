// Starting and watching host child processes: the fork/exec plumbing shared by
// the process and oci drivers, plus running short helper commands (runc,
// umoci) to completion with their output captured.
// Contract: spawn_child() either returns true with a running child (exec has
// succeeded) or false with one sentence in *error and no child left behind.
// Exec failures are reported from the child through an O_CLOEXEC pipe.
// Children start vfork-like (clone(CLONE_VM | CLONE_VFORK), as posix_spawn):
// no page tables are copied, so a start costs the same however large the
// agent is; the child does only async-signal-safe calls on data prepared
// before, and searches argv[0] in its own PATH as execvp does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/driver.hpp"

namespace troupe {

struct child_options {
  std::vector<std::string> argv;        // argv[0] searched in PATH (execvp)
  std::vector<std::string> env;         // "K=V", exactly what the child gets
  std::string working_dir;              // "" = inherit
  std::string stdout_path;              // "" = /dev/null; else appended to
  std::string stderr_path;              // "" = /dev/null; else appended to
  std::vector<std::string> join_files;  // cgroup.procs files the child joins
  int output_fd = -1;                   // >= 0: stdout and stderr go here
  int errors_fd = -1;                   // >= 0 with output_fd: stderr goes here
  int input_fd = -1;                    // >= 0: stdin (else /dev/null)
  bool controlling_tty = false;         // stdin (a pty's slave) becomes the
                                        // session's controlling terminal
};

/// Opens `path` to append to (its folder made first; "" = /dev/null), or -1
/// with *error set.
int open_output(const std::string& path, std::string* error);

/// Starts and execs in a new session (setsid: own process group, pgid = pid),
/// stdin from /dev/null unless input_fd, signal mask and dispositions reset,
/// other fds closed.
bool spawn_child(const child_options& options, int* pid, std::string* error);

/// Every child started after this call gets this RLIMIT_NOFILE (the agent
/// raises its own at start and gives children back the one it began with).
/// Call once, before any child is started.
void set_children_open_file_limit(uint64_t soft, uint64_t hard);

/// A pidfd of `pid` (readable once it has ended), or -1 with errno (ENOSYS
/// on a kernel without pidfd_open).
int open_pidfd(int pid);

/// Non-blocking reap of a child: its exit status once it has ended.
std::optional<exit_status> reap_child(int pid);

/// The exit status described by a waitpid() status word.
exit_status describe_wait_status(int status);

/// "SIGTERM" for SIGTERM, "signal 40" when the signal has no name.
std::string signal_name(int signal);

/// Runs argv to completion (stdout+stderr captured into *output), killing it
/// after timeout_ms. Returns its exit code, or -1 when it could not run or
/// timed out (*output then holds the reason).
int run_command(const std::vector<std::string>& argv, std::string* output,
                int timeout_ms = 30000);

/// The executable `name` resolves to in `path_var` (colon-separated), or ""
/// when none. A name containing '/' is returned as is if it is executable.
std::string find_executable(const std::string& name, const std::string& path_var);

/// Environment as a "K=V" list; PATH added from `default_path` when missing.
std::vector<std::string> env_list(const std::map<std::string, std::string>& env,
                                  const std::string& default_path);

/// mkdir -p; true when the folder exists afterwards.
bool make_dirs(const std::string& path, std::string* error);

} // namespace troupe
