#include "runtime/process_driver.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <sys/wait.h>

#include "runtime/child_process.hpp"

namespace troupe {

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
  const char* agent_path = std::getenv("PATH");
  child_options o;
  o.argv = spec.command;
  o.env = env_list(spec.env, agent_path ? agent_path : "/usr/bin:/bin");
  o.working_dir = spec.working_dir.empty() ? spec.task_dir : spec.working_dir;
  o.stdout_path = spec.stdout_path;
  o.stderr_path = spec.stderr_path;
  entry e;
  e.memory_bytes = spec.memory_bytes;
  cgroup_limits limits{spec.cpus, spec.memory_bytes};
  if (host_.usable() && !e.cgroups.create(host_, options_.cgroup_parent,
                                          spec.id, limits, error))
    return false;
  o.join_files = e.cgroups.procs_files();
  if (!spawn_child(o, &e.pid, error)) {
    e.cgroups.remove();
    return false;
  }
  out->id = spec.id;
  out->pid = e.pid;
  std::lock_guard<std::mutex> guard(mtx_);
  entries_[spec.id] = std::move(e);
  return true;
}

std::optional<exit_status> process_driver::poll(const container_handle& c) {
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = entries_.find(c.id);
  if (i == entries_.end()) // not started by us (e.g. before an agent restart)
    return reap_child(c.pid);
  auto& e = i->second;
  if (!e.exit) {
    e.exit = reap_child(e.pid);
    if (e.exit && e.exit->exit_code == 128 + SIGKILL && !e.cgroups.dirs().empty()
        && oom_kills(e.cgroups.dirs().front()) > 0)
      e.exit->message = oom_message(e.memory_bytes);
  }
  return e.exit;
}

bool process_driver::notify_exit(const container_handle& c,
                                 std::function<void()> on_exit) {
  int pid = c.pid;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    if (i != entries_.end()) {
      if (i->second.exit) {
        pid = 0;
      } else {
        pid = i->second.pid;
      }
    }
  }
  if (pid == 0) {
    on_exit();
    return true;
  }
  return watcher_.watch(pid, std::move(on_exit));
}

void process_driver::signal(const container_handle& c, int signal) {
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = entries_.find(c.id);
  // Once reaped, the pid may belong to someone else: leave it alone.
  if (i != entries_.end() && i->second.exit)
    return;
  int pid = i != entries_.end() ? i->second.pid : c.pid;
  if (pid > 0 && ::kill(-pid, signal) < 0 && errno == ESRCH)
    ::kill(pid, signal);
}

void process_driver::cleanup(const container_handle& c) {
  entry e;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    if (i == entries_.end())
      return;
    e = std::move(i->second);
    entries_.erase(i);
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

} // namespace troupe
