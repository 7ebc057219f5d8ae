// Resource limits for host processes through Linux cgroups, v1 (a memory and
// a cpu hierarchy, as on hybrid hosts) or v2 (unified, when
// /sys/fs/cgroup/cgroup.controllers exists).
// Contract: cgroup_host::probe() finds what this host offers; a cgroup_set
// creates <mount>/<parent>/<id> folders with the limits written, lists the
// cgroup.procs files a child must join, and removes the folders again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

struct cgroup_limits {
  double cpus = 0;           // 0 = none
  int64_t memory_bytes = 0;  // 0 = none
};

/// Where this host's cgroup controllers are mounted, if anywhere writable.
struct cgroup_host {
  int version = 0;           // 0 = none usable, 1 or 2
  std::string memory_root;   // v1: the memory hierarchy; v2: the unified root
  std::string cpu_root;      // v1: the cpu hierarchy; v2: the unified root

  /// Looks at /proc/self/mountinfo and checks that we may create cgroups.
  static cgroup_host probe();

  /// True when memory limits (and cpu limits, if cpu_root is set) can be set.
  bool usable() const { return version != 0; }
};

/// The cgroup folders of one container.
class cgroup_set {
public:
  /// Creates the folders and writes the limits. False with *error when the
  /// host cannot apply them; nothing is left behind then.
  bool create(const cgroup_host& host, const std::string& parent,
              const std::string& id, const cgroup_limits& limits,
              std::string* error);

  /// Takes over the folders an earlier create() of `id` left (an agent that
  /// re-attaches to a running container): those of them that exist.
  void adopt(const cgroup_host& host, const std::string& parent,
             const std::string& id);

  /// The cgroup.procs files the child writes its pid to before exec.
  std::vector<std::string> procs_files() const;

  /// The folders created (memory first); empty when none.
  const std::vector<std::string>& dirs() const { return dirs_; }

  /// Kills what is left inside and removes the folders (bounded retries).
  void remove();

private:
  std::vector<std::string> dirs_;
};

/// The cgroup.procs files of `<parent>/shims` in each hierarchy the host
/// offers (created when missing; empty when none): the tasks' shims join
/// them, out of the agent's cgroups.
std::vector<std::string> shim_procs_files(const cgroup_host& host,
                                          const std::string& parent);

/// OOM kills the kernel counted in the memory cgroup folder `dir` (v1:
/// memory.oom_control, v2: memory.events, both counting subfolders on v2
/// only); on v1, else the times its limit was hit (memory.failcnt), which
/// with a SIGKILL means the same for a folder whose process sits in a
/// subfolder. 0 when none or unreadable.
uint64_t oom_kills(const std::string& dir);

/// "killed: out of memory (limit 32MiB)" ("... (no limit)" for 0).
std::string oom_message(int64_t limit_bytes);

/// Writes `value` to `file`; false with *error naming the file on failure.
bool write_file(const std::string& file, const std::string& value,
                std::string* error);

/// The file's content without a trailing newline ("" if unreadable).
std::string read_small_file(const std::string& file);

} // namespace troupe
