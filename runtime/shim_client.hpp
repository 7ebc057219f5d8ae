// The agent's side of a task's shim (shim.hpp): starting one, calls on its
// socket, the exit line it sends, and the exit record it leaves in the
// task's folder. Blocking calls (start_shim, shim_call, read_exit_line with
// a timeout) run on the blocking pool; connecting to a live shim's socket is
// immediate. Errors are values (false / -1 / nullopt, one sentence in *error).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/child_process.hpp"
#include "runtime/driver.hpp"

namespace troupe {

struct shim_started {
  int pid = 0;       // the task's process (oci: the container's init)
  int shim_pid = 0;
};

/// The argv that runs a shim: `troupe-shim` next to this binary when there
/// is one (small and static: it starts fast), else this binary's `shim`.
std::vector<std::string> shim_command();

/// Starts a shim in `dir` that runs `task` (argv, env, working dir, log
/// files, cgroups); `pid_file` non-empty: task.argv is a launcher that
/// leaves the task's pid there (runc run --detach); the shim itself joins
/// the `shim_cgroups` (cgroup.procs files). Waits for its report.
bool start_shim(const child_options& task, const std::string& dir,
                const std::string& pid_file, shim_started* out,
                std::string* error,
                const std::vector<std::string>& shim_cgroups = {});

/// A connection to the shim of `dir`, or -1 when none answers there.
int connect_shim(const std::string& dir);

/// One request, one answer line (without '\n'); false when no shim answers
/// within timeout_ms.
bool shim_call(const std::string& dir, const std::string& request,
               std::string* reply, int timeout_ms = 2000);

/// A connection that has asked the shim to `wait`: readable once the task
/// ended (its exit line) or the shim did (end of file); -1 when no shim.
int shim_wait_fd(const std::string& dir);

/// The exit line on a wait connection: waits up to timeout_ms (0: not at
/// all); nullopt while there is none, with *gone set when the shim closed
/// it without one.
std::optional<exit_status> read_exit_line(int fd, int timeout_ms, bool* gone);

/// What a driver knows of the end of a shim's task: its exit line on the
/// wait connection (waiting up to timeout_ms), else its exit record; nullopt
/// while it runs. *lost: the shim ended without either (it was killed).
std::optional<exit_status> shim_exit(int wait_fd, const std::string& dir,
                                     int timeout_ms, bool* lost);

/// The exit status the shim recorded in `dir` (DIR/exit.status), if any.
std::optional<exit_status> read_exit_record(const std::string& dir);

/// Removes DIR/exit.status (after the agent has taken note of it).
void remove_exit_record(const std::string& dir);

} // namespace troupe
