// The "process" driver: a container is a host process tree started with
// fork/exec in its own session and process group, by a shim of its own
// (shim.hpp) when the spec has a task folder: the task then outlives the
// agent, and an agent that starts again re-attaches to it (poll, signal,
// cleanup of a handle this driver did not start go to the shim in c.dir).
// Contract:
// - the child's environment is exactly spec.env, plus the agent's PATH when
//   spec.env has no PATH (so bare command names resolve as with execvp);
// - working dir is spec.working_dir, or spec.task_dir (created) when empty;
// - stdin is /dev/null, stdout/stderr are appended to the spec's log files;
// - an exec failure makes start() return false ("cannot run 'x': ...");
// - signal() reaches the whole process group;
// - memory/cpu limits go through cgroups (v1 or v2) when the host lets us
//   (limits_supported()); otherwise the process starts without them; a
//   container the kernel killed for its memory limit exits with
//   "killed: out of memory (limit 32MiB)";
// - notify_exit() watches the shim's socket (its exit line, or its end) with
//   one exit_watcher thread for all containers (pidfd without a shim): no
//   polling;
// - a shim that ended without an exit record (killed) makes the task end
//   "killed: its shim ended unexpectedly", its process group killed.
#pragma once

#include <map>
#include <mutex>

#include "runtime/cgroups.hpp"
#include "runtime/driver.hpp"
#include "runtime/exit_watcher.hpp"

namespace troupe {

class process_driver : public driver {
public:
  explicit process_driver(driver_options options);

  std::string name() const override { return "process"; }
  bool reattaches() const override { return true; }
  bool start(const container_spec& spec, container_handle* out,
             std::string* error) override;
  std::optional<exit_status> poll(const container_handle& c) override;
  bool notify_exit(const container_handle& c,
                   std::function<void()> on_exit) override;
  void signal(const container_handle& c, int signal) override;
  void cleanup(const container_handle& c) override;

  /// True when this host lets the driver apply memory/cpu limits.
  bool limits_supported() const { return host_.usable(); }

  /// The cgroup folders of a running container (empty without limits).
  std::vector<std::string> cgroup_dirs(const container_handle& c) const;
  std::vector<std::string> exec_join_files(const container_handle& c) const override;

private:
  struct entry {
    int pid = 0;
    std::string dir;   // the shim's folder ("" = started without a shim)
    int wait_fd = -1;  // a connection to the shim that asked it to `wait`
    cgroup_set cgroups;
    int64_t memory_bytes = 0;
    std::optional<exit_status> exit;
  };

  /// The entry of `c`, attached to its shim when this driver did not start
  /// it (an agent that started again). Holds mtx_.
  entry& attach_locked(const container_handle& c);
  /// Reads the shim's exit line or record when there is one. Holds mtx_.
  void check_exit_locked(entry& e, int timeout_ms);

  driver_options options_;
  cgroup_host host_;
  mutable std::mutex mtx_;
  std::map<std::string, entry> entries_;
  exit_watcher watcher_;
};

} // namespace troupe
