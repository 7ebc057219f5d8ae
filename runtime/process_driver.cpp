#include "runtime/process_driver.hpp"
#include "runtime/wall_clock.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/child_process.hpp"
#include "runtime/shim_client.hpp"

namespace troupe {

namespace {

} // namespace

process_driver::process_driver(driver_options options)
  : options_(std::move(options)), host_(cgroup_host::probe()) {
}

bool process_driver::start(const container_spec& spec, container_handle* out,
                           std::string* error) {
  if (spec.id.empty() || spec.command.empty()) {
    *error = "a container needs an id and a command";
    return false;
  }
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (entries_.count(spec.id) > 0) {
      *error = "container '" + spec.id + "' already exists";
      return false;
    }
  }
  if (!spec.task_dir.empty() && !make_dirs(spec.task_dir, error))
    return false;
  if (!prepare_mount_sources(spec, error))
    return false;
  const char* agent_path = std::getenv("PATH");
  child_options o;
  o.argv = spec.command;
  o.env = env_list(spec.env, agent_path ? agent_path : "/usr/bin:/bin");
  // Absolute: the shim changes into the task folder before the child does.
  const std::string task_dir =
      spec.task_dir.empty() ? "" : std::filesystem::absolute(spec.task_dir).string();
  o.working_dir = spec.working_dir.empty() ? task_dir : spec.working_dir;
  o.stdout_path = spec.stdout_path;
  o.stderr_path = spec.stderr_path;
  entry e;
  e.memory_bytes = spec.memory_bytes;
  cgroup_limits limits{spec.cpus, spec.memory_bytes};
  if (host_.usable() && !e.cgroups.create(host_, options_.cgroup_parent,
                                          spec.id, limits, error))
    return false;
  o.join_files = e.cgroups.procs_files();
  if (spec.task_dir.empty()) {
    if (!spawn_child(o, &e.pid, error)) {
      e.cgroups.remove();
      return false;
    }
  } else {
    shim_started started;
    if (!start_shim(o, task_dir, "", &started, error,
                    shim_procs_files(host_, options_.cgroup_parent))) {
      e.cgroups.remove();
      return false;
    }
    e.pid = started.pid;
    e.dir = task_dir;
    e.wait_fd = shim_wait_fd(e.dir);
  }
  out->id = spec.id;
  out->pid = e.pid;
  out->dir = e.dir;
  std::lock_guard<std::mutex> guard(mtx_);
  entries_[spec.id] = std::move(e);
  return true;
}

process_driver::entry& process_driver::attach_locked(const container_handle& c) {
  auto i = entries_.find(c.id);
  if (i != entries_.end())
    return i->second;
  entry& e = entries_[c.id];
  e.pid = c.pid;
  e.dir = c.dir;
  e.cgroups.adopt(host_, options_.cgroup_parent, c.id);
  if (!e.dir.empty())
    e.wait_fd = shim_wait_fd(e.dir);
  return e;
}

void process_driver::check_exit_locked(entry& e, int timeout_ms) {
  if (e.exit)
    return;
  if (e.dir.empty()) {
    e.exit = reap_child(e.pid);
  } else {
    bool lost = false;
    e.exit = shim_exit(e.wait_fd, e.dir, timeout_ms, &lost);
    if (lost) {
      // The shim is gone without a record (killed): the task may still run,
      // an orphan now; its group goes (only a live group leader of that pid).
      if (e.pid > 0 && ::getpgid(e.pid) == e.pid)
        ::kill(-e.pid, SIGKILL);
      e.exit = exit_status{128 + SIGKILL,
                           "killed: its shim ended unexpectedly", unix_now_ms()};
    }
  }
  if (e.exit && e.exit->exit_code == 128 + SIGKILL && !e.cgroups.dirs().empty()
      && oom_kills(e.cgroups.dirs().front()) > 0)
    e.exit->message = oom_message(e.memory_bytes);
}

std::optional<exit_status> process_driver::poll(const container_handle& c) {
  std::lock_guard<std::mutex> guard(mtx_);
  if (c.dir.empty() && entries_.count(c.id) == 0)
    return reap_child(c.pid);  // not started by us, and no shim
  auto& e = attach_locked(c);
  check_exit_locked(e, 0);
  return e.exit;
}

bool process_driver::notify_exit(const container_handle& c,
                                 std::function<void()> on_exit) {
  int pid = c.pid;
  int fd = -1;
  bool now = false;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (c.dir.empty() && entries_.count(c.id) == 0) {
      // not ours and no shim: watch the pid
    } else {
      auto& e = attach_locked(c);
      if (e.exit || (!e.dir.empty() && e.wait_fd < 0))
        now = true;
      else if (!e.dir.empty())
        fd = ::fcntl(e.wait_fd, F_DUPFD_CLOEXEC, 0);
      else
        pid = e.pid;
    }
  }
  if (now) {
    on_exit();
    return true;
  }
  if (fd >= 0)
    return watcher_.watch_fd(fd, std::move(on_exit));
  return watcher_.watch(pid, std::move(on_exit));
}

void process_driver::signal(const container_handle& c, int signal) {
  std::string dir;
  int pid = c.pid;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    // Once reaped, the pid may belong to someone else: leave it alone.
    if (i != entries_.end() && i->second.exit)
      return;
    dir = i != entries_.end() ? i->second.dir : c.dir;
    if (i != entries_.end())
      pid = i->second.pid;
  }
  if (!dir.empty()) {  // the shim knows whether its task still runs
    std::string reply;
    shim_call(dir, "signal " + std::to_string(signal), &reply);
    return;
  }
  if (pid > 0 && ::kill(-pid, signal) < 0 && errno == ESRCH)
    ::kill(pid, signal);
}

void process_driver::cleanup(const container_handle& c) {
  entry e;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (c.dir.empty() && entries_.count(c.id) == 0)
      return;
    attach_locked(c);
    auto i = entries_.find(c.id);
    e = std::move(i->second);
    entries_.erase(i);
  }
  if (!e.dir.empty()) {
    std::string reply;
    if (!e.exit) {  // cleanup before the exit: force it
      check_exit_locked(e, 0);
      if (!e.exit) {
        shim_call(e.dir, "signal " + std::to_string(SIGKILL), &reply);
        check_exit_locked(e, 10000);
      }
    }
    shim_call(e.dir, "done", &reply);
    if (e.wait_fd >= 0)
      ::close(e.wait_fd);
    remove_exit_record(e.dir);
    e.cgroups.remove();
    return;
  }
  if (!e.exit) { // cleanup before the exit: force it, then reap
    ::kill(-e.pid, SIGKILL);
    int status;
    while (::waitpid(e.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::kill(-e.pid, SIGKILL); // leftovers of the group die with the container
  e.cgroups.remove();
}

std::vector<std::string>
process_driver::cgroup_dirs(const container_handle& c) const {
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = entries_.find(c.id);
  return i == entries_.end() ? std::vector<std::string>{}
                             : i->second.cgroups.dirs();
}

std::vector<std::string>
process_driver::exec_join_files(const container_handle& c) const {
  auto files = cgroup_dirs(c);
  for (auto& dir : files)
    dir += "/cgroup.procs";
  return files;
}

} // namespace troupe
