// The per-task shim (`troupe shim`, and the small static `troupe-shim` built
// from the same source): the process that owns one task's process, so that
// the task outlives the agent (as containerd's shims, conmon, Nomad's
// executor).
//
//   troupe-shim --dir DIR [--stdout FILE] [--stderr FILE] [--workdir DIR]
//               [--join CGROUP_PROCS]... [--self-join CGROUP_PROCS]...
//               [--pid-file FILE] [--linger-ms N]
//               -- ARGV...
//
// Contract:
// - it forks once more and the first process exits, so the shim is not the
//   agent's child; it makes its own session (not in the agent's process
//   group) and is a subreaper (PR_SET_CHILD_SUBREAPER): orphans of the task
//   become its children, never init's; it joins the --self-join cgroups
//   (`<cgroup_parent>/shims`), out of the agent's memory and cpu cgroups;
// - it binds DIR/shim.sock, removes an older DIR/exit.status, then starts
//   ARGV as child_process.hpp's spawn_child does (its own session, the
//   cgroup.procs files joined, the shim's environment as the task's), its
//   stdout and stderr on pipes the shim reads: each line is appended to
//   the --stdout/--stderr file with the time it was read in front
//   (log_stamp.hpp), and all the task wrote is in the files before its exit
//   record; a task whose shim died gets EPIPE (SIGPIPE) on its next write,
//   as under containerd's shim; with --pid-file, ARGV is a launcher (`runc
//   run --detach --pid-file FILE`) that must exit 0, and the task is the
//   process named in FILE (which, orphaned, is the shim's child);
// - it reports on its stdout, one line, then lets stdout go:
//   "started PID SHIM_PID" or "error SENTENCE";
// - when the task ends it kills what is left of its process group and the
//   shim's other children, then writes DIR/exit.status durably (temp file,
//   fsync, rename, fsync of DIR) before anyone is told;
// - requests on the socket, one line each, one line answered:
//     status    -> "running PID STARTED_MS" | "exited CODE ENDED_MS MESSAGE"
//     wait      -> the "exited ..." line once the task has ended
//     signal N  -> "ok" (signal N sent to the task's process group)
//     done      -> "ok" and the shim exits (only after the task ended)
//   anything else gets "error SENTENCE"; lines are at most 256 bytes;
// - after the task ended it exits at "done" or after --linger-ms (default
//   10 minutes); the exit record stays in DIR for an agent that comes later.
// It uses no CAF and no protobuf, so it is small and starts fast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/driver.hpp"

namespace troupe {

/// Runs the shim; argv[0] is the program name, the options follow.
int shim_main(int argc, char** argv);

/// "exited CODE ENDED_MS MESSAGE" for an exit status, and back.
std::string format_exit_line(const exit_status& s);
std::optional<exit_status> parse_exit_line(const std::string& line);

/// The file names inside a task's folder.
inline constexpr const char* shim_socket_name = "shim.sock";
inline constexpr const char* exit_record_name = "exit.status";

} // namespace troupe
