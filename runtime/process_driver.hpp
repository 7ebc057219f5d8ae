// The "process" driver: a container is a host process tree started with
// fork/exec in its own session and process group.
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
// - notify_exit() watches the process with one exit_watcher thread for all
//   containers (pidfd): no polling.
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

private:
  struct entry {
    int pid = 0;
    cgroup_set cgroups;
    int64_t memory_bytes = 0;
    std::optional<exit_status> exit;
  };

  driver_options options_;
  cgroup_host host_;
  mutable std::mutex mtx_;
  std::map<std::string, entry> entries_;
  exit_watcher watcher_;
};

} // namespace troupe
