#include "runtime/child_process.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

extern char** environ;  // run_command passes the agent's own

namespace troupe {
namespace {

// Set once at the agent's start, before any child exists; read in children.
bool children_have_open_file_limit = false;
rlimit children_open_file_limit{};

// What the child reports through the error pipe when it cannot exec.
enum class child_stage : int { session = 1, stdio, cgroup, chdir, exec, terminal };

struct child_failure {
  int stage;
  int err;
};

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string failure_sentence(const child_failure& f, const child_options& o) {
  auto why = errno_text(f.err);
  switch (static_cast<child_stage>(f.stage)) {
    case child_stage::session:
      return "cannot start a new session: " + why;
    case child_stage::stdio:
      return "cannot redirect the standard streams: " + why;
    case child_stage::terminal:
      return "cannot make the pseudo-terminal the controlling terminal: " + why;
    case child_stage::cgroup:
      return "cannot join the container's cgroup: " + why;
    case child_stage::chdir:
      return "cannot enter working directory '" + o.working_dir + "': " + why;
    case child_stage::exec:
      break;
  }
  return "cannot run '" + o.argv[0] + "': " + why;
}


std::vector<char*> c_strings(const std::vector<std::string>& xs) {
  std::vector<char*> out;
  for (auto& x : xs)
    out.push_back(const_cast<char*>(x.c_str()));
  out.push_back(nullptr);
  return out;
}

// Everything the child needs, prepared before fork: after fork only
// async-signal-safe calls are made.
struct child_plan {
  std::vector<char*> argv;
  bool set_open_files = false;  // give the child children_open_files
  rlimit open_files{};
  std::vector<char*> envp;
  std::vector<std::string> candidate_paths;  // where argv[0] may be, in order
  std::vector<const char*> candidates;
  const char* working_dir = nullptr;
  std::vector<const char*> join_files;
  int in_fd = -1, out_fd = -1, err_fd = -1, report_fd = -1;
  bool controlling_tty = false;  // TIOCSCTTY on stdin after setsid
};

[[noreturn]] void child_fail(int report_fd, child_stage stage) {
  child_failure f{static_cast<int>(stage), errno};
  ssize_t n = ::write(report_fd, &f, sizeof f);
  (void) n;
  ::_exit(127);
}

void close_other_fds(int keep) {
  if (keep > 3)
    ::close_range(3, keep - 1, 0);
  if (::close_range(keep + 1, ~0U, 0) == 0)
    return;
  for (int fd = keep + 1; fd < 4096; ++fd)
    ::close(fd);
}

bool join_cgroup(const char* procs_file) {
  char buf[24];
  int n = 0;
  char tmp[24];
  for (pid_t p = ::getpid(); p > 0; p /= 10)
    tmp[n++] = static_cast<char>('0' + p % 10);
  for (int i = 0; i < n; ++i)
    buf[i] = tmp[n - 1 - i];
  int fd = ::open(procs_file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = ::write(fd, buf, n) == n;
  ::close(fd);
  return ok;
}

/// execvp's search, with the child's own PATH, and no allocation: tries
/// each prepared candidate; EACCES wins over ENOENT as with execvp.
void exec_candidates(const child_plan& p) {
  bool denied = false;
  for (auto path : p.candidates) {
    ::execve(path, p.argv.data(), p.envp.data());
    if (errno == EACCES)
      denied = true;
    else if (errno != ENOENT && errno != ENOTDIR)
      return; // a real error (e.g. ENOEXEC, E2BIG): report it
  }
  errno = denied ? EACCES : ENOENT;
}

// Runs in the child, which shares the parent's memory until it execs
// (vfork-like): only async-signal-safe calls on prepared data, and no
// writes to anything but its own stack (and errno).
[[noreturn]] void run_child(const child_plan& p) {
  // All signals are blocked (by the parent) while handlers are reset, so no
  // handler of the parent ever runs in the child.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setsid() < 0)
    child_fail(p.report_fd, child_stage::session);
  if (::dup2(p.in_fd, 0) < 0 || ::dup2(p.out_fd, 1) < 0 || ::dup2(p.err_fd, 2) < 0)
    child_fail(p.report_fd, child_stage::stdio);
  if (p.controlling_tty && ::ioctl(0, TIOCSCTTY, 0) < 0)
    child_fail(p.report_fd, child_stage::terminal);
  close_other_fds(p.report_fd);
  if (p.set_open_files)
    ::setrlimit(RLIMIT_NOFILE, &p.open_files);  // best effort, as a shell's ulimit
  for (auto file : p.join_files)
    if (!join_cgroup(file))
      child_fail(p.report_fd, child_stage::cgroup);
  if (p.working_dir && ::chdir(p.working_dir) < 0)
    child_fail(p.report_fd, child_stage::chdir);
  exec_candidates(p);
  child_fail(p.report_fd, child_stage::exec);
}

int child_main(void* plan) {
  run_child(*static_cast<const child_plan*>(plan));
}

/// The paths execvp would try for `name` with the child's environment.
std::vector<std::string> exec_candidates_for(const std::string& name,
                                             const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos)
    return {name};
  std::string path = "/bin:/usr/bin";  // execvp's default without PATH
  for (auto& e : env)
    if (e.rfind("PATH=", 0) == 0)
      path = e.substr(5);
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto end = path.find(':', start);
    auto dir = path.substr(start, end == std::string::npos ? end : end - start);
    out.push_back((dir.empty() ? std::string(".") : dir) + "/" + name);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return out;
}

/// Starts the child without copying the parent's page tables (clone with
/// CLONE_VM | CLONE_VFORK, as posix_spawn does): cheap at any agent size.
/// The calling thread waits until the child has exec'ed or failed.
pid_t start_child(child_plan& plan) {
  constexpr size_t stack_size = 64 * 1024;
  std::vector<char> stack(stack_size);
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t child = ::clone(child_main, stack.data() + stack_size,
                        CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = clone_errno;
  return child;
}

void close_fds(std::initializer_list<int> fds) {
  for (int fd : fds)
    if (fd >= 0)
      ::close(fd);
}

} // namespace

int open_output(const std::string& path, std::string* error) {
  if (path.empty())
    return ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !make_dirs(parent.string(), error))
    return -1;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 && error)
    *error = "cannot open log file '" + path + "': " + errno_text(errno);
  return fd;
}

void set_children_open_file_limit(uint64_t soft, uint64_t hard) {
  children_open_file_limit.rlim_cur = soft;
  children_open_file_limit.rlim_max = hard;
  children_have_open_file_limit = true;
}

bool spawn_child(const child_options& o, int* pid, std::string* error) {
  if (o.argv.empty() || o.argv[0].empty()) {
    *error = "cannot run an empty command";
    return false;
  }
  child_plan plan;
  plan.argv = c_strings(o.argv);
  plan.set_open_files = children_have_open_file_limit;
  plan.open_files = children_open_file_limit;
  plan.envp = c_strings(o.env);
  if (!o.working_dir.empty())
    plan.working_dir = o.working_dir.c_str();
  for (auto& f : o.join_files)
    plan.join_files.push_back(f.c_str());
  plan.controlling_tty = o.controlling_tty;
  plan.in_fd = o.input_fd >= 0 ? ::dup(o.input_fd)
                               : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (o.output_fd >= 0) {
    plan.out_fd = ::dup(o.output_fd);
    plan.err_fd = ::dup(o.errors_fd >= 0 ? o.errors_fd : o.output_fd);
  } else {
    plan.out_fd = open_output(o.stdout_path, error);
    plan.err_fd = plan.out_fd < 0 ? -1 : open_output(o.stderr_path, error);
  }
  int report[2] = {-1, -1};
  if (plan.in_fd < 0 || plan.out_fd < 0 || plan.err_fd < 0
      || ::pipe2(report, O_CLOEXEC) < 0) {
    if (error->empty())
      *error = "cannot prepare the child's files: " + errno_text(errno);
    close_fds({plan.in_fd, plan.out_fd, plan.err_fd});
    return false;
  }
  plan.report_fd = report[1];
  plan.candidate_paths = exec_candidates_for(o.argv[0], o.env);
  for (auto& c : plan.candidate_paths)
    plan.candidates.push_back(c.c_str());
  pid_t child = start_child(plan);
  int fork_errno = errno;
  close_fds({plan.in_fd, plan.out_fd, plan.err_fd, report[1]});
  if (child < 0) {
    ::close(report[0]);
    *error = "cannot start a process: " + errno_text(fork_errno);
    return false;
  }
  child_failure f{};
  ssize_t n;
  do {
    n = ::read(report[0], &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof f)) {
    int status;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    *error = failure_sentence(f, o);
    return false;
  }
  *pid = child;
  return true;
}

std::string signal_name(int signal) {
  if (auto abbrev = ::sigabbrev_np(signal))
    return std::string("SIG") + abbrev;
  return "signal " + std::to_string(signal);
}

exit_status describe_wait_status(int status) {
  exit_status out;
  if (WIFSIGNALED(status)) {
    out.exit_code = 128 + WTERMSIG(status);
    out.message = "killed by " + signal_name(WTERMSIG(status));
  } else {
    out.exit_code = WEXITSTATUS(status);
    out.message = "exited with code " + std::to_string(out.exit_code);
  }
  return out;
}

int open_pidfd(int pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void) pid;
  errno = ENOSYS;
  return -1;
#endif
}

std::optional<exit_status> reap_child(int pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid)
    return describe_wait_status(status);
  if (r < 0 && errno == ECHILD && ::kill(pid, 0) < 0)
    return exit_status{255, "exit status unknown (not a child of this agent)"};
  return std::nullopt;
}

int run_command(const std::vector<std::string>& argv, std::string* output,
                int timeout_ms) {
  output->clear();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) {
    *output = "cannot create a pipe: " + errno_text(errno);
    return -1;
  }
  child_options o;
  o.argv = argv;
  for (char** e = environ; e && *e; ++e)
    o.env.emplace_back(*e);
  o.output_fd = pipe_fds[1];
  int pid = 0;
  std::string error;
  bool started = spawn_child(o, &pid, &error);
  ::close(pipe_fds[1]);
  if (!started) {
    ::close(pipe_fds[0]);
    *output = error;
    return -1;
  }
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(timeout_ms);
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) < 0 && errno != EINTR)
      break;
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
      break;
    if (n > 0)
      output->append(buf, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (timed_out)
    ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    *output = "'" + argv[0] + "' did not finish within "
              + std::to_string(timeout_ms) + "ms";
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string find_executable(const std::string& name, const std::string& path_var) {
  if (name.find('/') != std::string::npos)
    return ::access(name.c_str(), X_OK) == 0 ? name : "";
  size_t start = 0;
  while (start <= path_var.size()) {
    auto end = path_var.find(':', start);
    if (end == std::string::npos)
      end = path_var.size();
    auto dir = path_var.substr(start, end - start);
    auto candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)
        && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return "";
}

std::vector<std::string> env_list(const std::map<std::string, std::string>& env,
                                  const std::string& default_path) {
  std::vector<std::string> out;
  for (auto& [k, v] : env)
    out.push_back(k + "=" + v);
  if (env.count("PATH") == 0 && !default_path.empty())
    out.push_back("PATH=" + default_path);
  return out;
}

bool make_dirs(const std::string& path, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (std::filesystem::is_directory(path))
    return true;
  if (error)
    *error = "cannot create folder '" + path + "': "
             + (ec ? ec.message() : std::string("not a folder"));
  return false;
}

} // namespace troupe
