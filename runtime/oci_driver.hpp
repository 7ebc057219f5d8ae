// The "oci" driver: a container is a runc container run from a bundle under
// spec.task_dir/bundle-<id> (its config.json) on a root filesystem unpacked
// with umoci from a tag in the node's OCI image layout into
// spec.task_dir/image-<tag> (or on spec.rootfs, read-only).
// Contract:
// - an image is unpacked once per task folder: the restarts of a task run
//   on the same root filesystem and see what it wrote before (as a Docker
//   container's restarts do); a new task (update, rescheduling) starts from
//   the image; cleanup() keeps the unpacked image, the task folder's removal
//   (task_folders) takes it;
// - a shim of its own (shim.hpp) runs `runc run --detach --pid-file`: the
//   container's init, with the log files as its stdout/stderr, becomes the
//   shim's child (a subreaper), and the shim reaps it and records its exit;
//   the container outlives the agent, and an agent that starts again
//   re-attaches to it (poll, signal, cleanup of a handle with its dir);
//   notify_exit() watches the shim's socket (one exit_watcher thread);
// - the handle's pid is the container's init (runc's --pid-file);
// - a shim that ended without an exit record (killed) makes the container
//   end "killed: its shim ended unexpectedly"; cleanup's `runc delete -f`
//   removes it;
// - a memory limit is set on a cgroup of our own, "/<cgroup_parent>/<id>",
//   with runc's cgroup "<that>/ctr" inside it: the kernel's OOM count
//   survives runc removing its cgroup, and a container killed for its limit
//   exits with "killed: out of memory (limit 32MiB)";
// - the container shares the host network (no network namespace) and keeps
//   the other namespaces; cpu limits go to linux.resources;
// - container ids are sanitized to runc's alphabet [A-Za-z0-9_.-];
// - note: the command runs as PID 1 of its pid namespace, so SIGTERM only
//   stops it when it handles SIGTERM (as in Docker); SIGKILL always does.
#pragma once

#include <map>
#include <mutex>

#include "runtime/cgroups.hpp"
#include "runtime/driver.hpp"
#include "runtime/exit_watcher.hpp"

namespace troupe {

class oci_driver : public driver {
public:
  /// Expects runc and umoci to exist (make_driver checks).
  explicit oci_driver(driver_options options);

  std::string name() const override { return "oci"; }
  bool reattaches() const override { return true; }
  bool start(const container_spec& spec, container_handle* out,
             std::string* error) override;
  std::optional<exit_status> poll(const container_handle& c) override;
  bool notify_exit(const container_handle& c,
                   std::function<void()> on_exit) override;
  void signal(const container_handle& c, int signal) override;
  void cleanup(const container_handle& c) override;
  std::vector<std::string> exec_argv(const container_handle& c,
                                     const std::vector<std::string>& cmd,
                                     bool tty = false) const override;

  /// `runc [--root R] <args...>` as an argv.
  std::vector<std::string> runc_argv(std::vector<std::string> args) const;

  /// The id runc knows a container by: [A-Za-z0-9_.-], others become '_'.
  static std::string sanitize_id(const std::string& id);

private:
  struct entry {
    int pid = 0;               // the container's init
    std::string dir;           // the task's folder: the shim's socket
    int wait_fd = -1;          // a connection that asked the shim to `wait`
    bool lost = false;         // the shim ended without an exit record
    std::string bundle;
    cgroup_set memory;         // our cgroup holding the memory limit
    int64_t memory_bytes = 0;
    std::optional<exit_status> exit;
  };

  /// The entry of `c`, attached to its shim when this driver did not
  /// start it. Holds mtx_.
  entry& attach_locked(const container_handle& c);
  /// Reads the shim's exit line or record when there is one.
  void check_exit(entry& e, int timeout_ms);

  bool prepare_bundle(const container_spec& spec, const std::string& id,
                      const std::string& bundle, std::string* error);

  driver_options options_;
  cgroup_host host_;
  std::mutex mtx_;
  std::map<std::string, entry> entries_;
  exit_watcher watcher_;
};

} // namespace troupe
