// The container driver interface: how a task actor starts, watches and stops
// one container. Implementations: process (fork/exec), oci (runc bundles
// unpacked with umoci), sim (simulated: no process, runtime/sim_driver.hpp),
// and fakes in tests. Errors are values: a bool plus
// one sentence in *error. Thread-safe: start, signal and cleanup may block
// (runc, umoci, cgroups) and are called from a blocking_pool, never from an
// actor's thread; poll and notify_exit never block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe {

/// Everything a driver needs to start one container.
/// One volume in a container (issue 14): bound from the host, or a tmpfs.
struct volume_mount {
  std::string source;                 // host path (bind)
  std::string target;                 // absolute path in the container
  std::string type = "bind";          // "bind" | "tmpfs"
  bool read_only = false;
  bool create = false;                // a local volume: the driver makes its folder
  int64_t size_bytes = 0;             // tmpfs: its size (0 = the kernel's default)
};

struct container_spec {
  std::string id;                     // unique per start: "<task id>-<restart>"
  std::string image;                  // oci: "name[:tag]" in the node's image layout
  std::string rootfs;                 // oci: a rootfs folder instead of an image
  std::vector<std::string> command;   // argv; variables already substituted
  std::map<std::string, std::string> env;  // oci: over the image's ENV
  std::string working_dir;            // "" = the task's own folder (process) or
                                      // the image's WorkingDir (oci)
  std::string task_dir;               // a folder of its own on the node for this task
  std::string stdout_path;            // appended to
  std::string stderr_path;            // appended to
  double cpus = 0;                    // limit (0 = none)
  int64_t memory_bytes = 0;           // limit (0 = none)
  bool read_only = false;             // oci: read-only root filesystem
  std::vector<volume_mount> mounts;   // oci: mounted; process: named in env only
};

/// Makes the folders of the spec's local volumes and checks that its bind
/// sources exist; false with one sentence in *error.
bool prepare_mount_sources(const container_spec& spec, std::string* error);

/// What identifies a started container.
struct container_handle {
  std::string id;
  int pid = 0;                        // host pid of its main process (oci: the
                                      // container's init, not runc's)
  std::string dir;                    // the task's folder: its shim's socket
                                      // and exit record ("" = no shim)
  int64_t ready_after_ms = 0;         // started, but reported running only
                                      // this long after start() returned (sim)
};

struct exit_status {
  int exit_code = 0;                  // 128+N when killed by signal N
  std::string message;                // e.g. "exited with code 1", "killed by SIGKILL"
  int64_t ended_ms = 0;               // unix ms it ended (0 = unknown)
};

class driver {
public:
  virtual ~driver() = default;

  /// "process", "oci" or "sim".
  virtual std::string name() const = 0;

  /// False when its containers leave nothing on the host (sim): the task
  /// actor then makes no task folder and writes no container record.
  virtual bool uses_host() const { return true; }

  /// True when its containers outlive the agent (a shim owns each) and a
  /// new agent can take them over: poll, notify_exit, signal and cleanup
  /// work on a handle (id, pid, dir) this driver instance did not start.
  virtual bool reattaches() const { return false; }

  /// Starts the container. On failure returns false with *error set, and
  /// leaves nothing behind.
  virtual bool start(const container_spec& spec, container_handle* out,
                     std::string* error) = 0;

  /// Non-blocking: the exit status once the container has exited.
  virtual std::optional<exit_status> poll(const container_handle& c) = 0;

  /// Calls on_exit once, from another thread, when the container has
  /// exited (poll() then returns its status), so that nobody needs to poll.
  /// False when this driver cannot watch it: the caller polls instead.
  virtual bool notify_exit(const container_handle& c,
                           std::function<void()> on_exit) {
    (void) c;
    (void) on_exit;
    return false;
  }

  /// Sends `signal` (SIGTERM to ask, SIGKILL to force) to the container.
  virtual void signal(const container_handle& c, int signal) = 0;

  /// Releases what start() created (bundle, cgroups) after the exit.
  virtual void cleanup(const container_handle& c) = 0;

  /// The container's health when the driver itself decides it (sim: its
  /// simulated health); nullopt = health checks run for real (cmd, tcp, http).
  virtual std::optional<bool> simulated_health(const container_handle& c) const {
    (void)c;
    return std::nullopt;
  }

  /// The argv that runs `cmd` in the container's context (health checks,
  /// `troupe exec`): process: `cmd` itself (run with the task's env and
  /// folder); oci: `runc exec [--tty] CONTAINER cmd...`.
  virtual std::vector<std::string> exec_argv(const container_handle& c,
                                             const std::vector<std::string>& cmd,
                                             bool tty = false) const {
    (void)c;
    (void)tty;
    return cmd;
  }

  /// The cgroup.procs files a command run in the container's context joins
  /// (process: the container's cgroups; oci: none, runc exec joins them).
  virtual std::vector<std::string> exec_join_files(const container_handle& c) const {
    (void)c;
    return {};
  }
};

struct driver_options {
  std::string images_dir;   // oci: OCI image layout holding tagged images
  std::string cgroup_parent = "troupe";  // cgroup folder for limits
  std::string runc_root;    // oci: `runc --root` ("" = runc's default)
};

/// The driver called `name` ("process", "oci" or "sim"), or nullptr with *error set
/// when it does not exist or cannot work on this host (e.g. runc missing).
std::unique_ptr<driver> make_driver(const std::string& name,
                                    const driver_options& options,
                                    std::string* error);

} // namespace troupe
