#include "runtime/shim.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "runtime/child_process.hpp"
#include "runtime/log_stamp.hpp"

extern char** environ;

namespace troupe {

std::string format_exit_line(const exit_status& s) {
  std::string message = s.message;
  for (auto& c : message)
    if (c == '\n' || c == '\r')
      c = ' ';
  return "exited " + std::to_string(s.exit_code) + " " + std::to_string(s.ended_ms)
         + " " + message;
}

std::optional<exit_status> parse_exit_line(const std::string& line) {
  if (line.rfind("exited ", 0) != 0)
    return std::nullopt;
  char* end = nullptr;
  const char* p = line.c_str() + 7;
  errno = 0;
  long code = std::strtol(p, &end, 10);
  if (end == p || *end != ' ' || errno != 0 || code < 0 || code > 255)
    return std::nullopt;
  p = end + 1;
  long long ended = std::strtoll(p, &end, 10);
  if (end == p || (*end != ' ' && *end != '\0') || errno != 0 || ended < 0)
    return std::nullopt;
  exit_status s;
  s.exit_code = static_cast<int>(code);
  s.ended_ms = ended;
  s.message = *end == ' ' ? std::string(end + 1) : std::string();
  return s;
}

namespace {

constexpr size_t max_line = 256;
constexpr size_t max_clients = 16;

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t now_ms() { return now_ns() / 1000000; }

/// Appends all of `text` to `fd` (a log file; -1 = discard).
void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (fd >= 0 && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // a full disk: the line is lost, the task goes on
    done += static_cast<size_t>(n);
  }
}

/// One of the task's output streams: the pipe the task writes into, the
/// log file the shim appends stamped lines to.
struct output_stream {
  int pipe = -1;
  int file = -1;
  line_stamper stamper;

  /// Reads what is in the pipe now (at most `rounds` reads of 64 KiB) and
  /// appends its lines; closes the pipe at its end.
  void pump(int rounds) {
    char buf[64 * 1024];
    std::string out;
    for (int i = 0; i < rounds && pipe >= 0; ++i) {
      ssize_t n = ::read(pipe, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0) {
        ::close(pipe);
        pipe = -1;
        stamper.flush(&out);
        break;
      }
      stamper.feed(buf, static_cast<size_t>(n), now_ns(), &out);
    }
    write_all(file, out);
  }
  void flush_due() {
    auto due = stamper.partial_due_ns();
    if (due >= 0 && due <= now_ns()) {
      std::string out;
      stamper.flush(&out);
      write_all(file, out);
    }
  }
};



struct shim_options {
  std::string dir, stdout_path, stderr_path, working_dir, pid_file;
  std::vector<std::string> join, self_join, argv;
  int64_t linger_ms = 10 * 60 * 1000;
};

bool parse(int argc, char** argv, shim_options* o, std::string* error) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) {
      *error = "option " + a + " needs a value";
      return false;
    }
    std::string v = argv[++i];
    if (a == "--dir") o->dir = v;
    else if (a == "--stdout") o->stdout_path = v;
    else if (a == "--stderr") o->stderr_path = v;
    else if (a == "--workdir") o->working_dir = v;
    else if (a == "--join") o->join.push_back(v);
    else if (a == "--self-join") o->self_join.push_back(v);
    else if (a == "--pid-file") o->pid_file = v;
    else if (a == "--linger-ms") o->linger_ms = std::atoll(v.c_str());
    else {
      *error = "unknown option " + a;
      return false;
    }
  }
  for (; i < argc; ++i)
    o->argv.emplace_back(argv[i]);
  if (o->dir.empty() || o->argv.empty()) {
    *error = "usage: troupe shim --dir DIR [options] -- ARGV...";
    return false;
  }
  return true;
}

void say(int fd, const std::string& line) {
  std::string out = line + "\n";
  ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && errno == ENOTSOCK)
    n = ::write(fd, out.data(), out.size());
  (void) n;
}

/// DIR/exit.status, durably: temp file, fsync, rename, fsync of the folder.
void write_exit_record(const std::string& line) {
  std::string text = line + "\n";
  int fd = ::open("exit.status.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
            && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename("exit.status.tmp", exit_record_name) != 0)
    return;
  int dir = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

/// SIGKILL to every child of the shim (orphans of the task that left its
/// process group; the shim is their subreaper), from the kernel's list of
/// its children: no scan of every process on the host.
void kill_children() {
  auto self = std::to_string(::getpid());
  auto path = "/proc/self/task/" + self + "/children";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const char* p = text.c_str();
  while (*p) {
    char* end = nullptr;
    long pid = std::strtol(p, &end, 10);
    if (end == p)
      break;
    if (pid > 0)
      ::kill(static_cast<pid_t>(pid), SIGKILL);
    p = end;
  }
}

struct client {
  int fd = -1;
  std::string in;
  bool waiting = false;
};

class shim {
public:
  explicit shim(shim_options o) : o_(std::move(o)) {}
  int run(int report_fd);

private:
  bool start(std::string* error);
  void reap();
  void handle(client& c, const std::string& line);
  void read_client(client& c);

  shim_options o_;
  int listen_fd_ = -1, signal_fd_ = -1;
  int pid_ = 0;
  int64_t started_ms_ = 0;
  bool exited_ = false, done_ = false;
  std::string exit_line_;
  int64_t ended_at_ = 0;
  std::vector<client> clients_;
  output_stream out_, err_;
};

bool shim::start(std::string* error) {
  ::unlink(exit_record_name);
  ::unlink(shim_socket_name);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, shim_socket_name);
  if (listen_fd_ < 0
      || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0
      || ::listen(listen_fd_, 16) < 0) {
    *error = std::string("cannot open the shim's socket: ") + std::strerror(errno);
    return false;
  }
  child_options c;
  c.argv = o_.argv;
  for (char** e = environ; e && *e; ++e)
    c.env.emplace_back(*e);
  c.working_dir = o_.working_dir;
  c.join_files = o_.join;
  // The task writes into pipes; the shim stamps its lines into the files.
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  out_.file = open_output(o_.stdout_path, error);
  err_.file = out_.file < 0 ? -1 : open_output(o_.stderr_path, error);
  if (out_.file < 0 || err_.file < 0)
    return false;
  if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) {
    *error = std::string("cannot make the task's output pipes: ") + std::strerror(errno);
    return false;
  }
  c.output_fd = out[1];
  c.errors_fd = err[1];
  int pid = 0;
  bool spawned = spawn_child(c, &pid, error);
  ::close(out[1]);
  ::close(err[1]);
  out_.pipe = out[0];
  err_.pipe = err[0];
  for (int fd : {out_.pipe, err_.pipe})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (!spawned)
    return false;
  if (!o_.pid_file.empty()) {  // a launcher: its exit 0 means the task runs
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      *error = "'" + o_.argv[0] + "' " + describe_wait_status(status).message
               + " (see the task's stderr log)";
      return false;
    }
    char text[32] = {0};
    int fd = ::open(o_.pid_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = ::read(fd, text, sizeof text - 1);
      (void) n;
      ::close(fd);
    }
    pid = std::atoi(text);
    if (pid <= 0) {
      *error = "'" + o_.argv[0] + "' wrote no pid to " + o_.pid_file;
      return false;
    }
  }
  pid_ = pid;
  started_ms_ = now_ms();
  return true;
}

void shim::reap() {
  signalfd_siginfo info;
  while (::read(signal_fd_, &info, sizeof info) == sizeof info) {
  }
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(-1, &status, WNOHANG);
    if (r <= 0)
      return;
    if (r != pid_ || exited_)
      continue;
    exited_ = true;
    // What the task wrote before it ended goes into its logs first.
    out_.pump(1024);
    err_.pump(1024);
    auto s = describe_wait_status(status);
    s.ended_ms = now_ms();
    ended_at_ = s.ended_ms;
    ::kill(-pid_, SIGKILL);  // what is left of its group goes with it
    kill_children();
    exit_line_ = format_exit_line(s);
    write_exit_record(exit_line_);
    for (auto& c : clients_)
      if (c.waiting)
        say(c.fd, exit_line_);
  }
}

void shim::handle(client& c, const std::string& line) {
  if (line == "status") {
    say(c.fd, exited_ ? exit_line_
                      : "running " + std::to_string(pid_) + " "
                          + std::to_string(started_ms_));
  } else if (line == "wait") {
    if (exited_)
      say(c.fd, exit_line_);
    else
      c.waiting = true;
  } else if (line.rfind("signal ", 0) == 0) {
    int sig = std::atoi(line.c_str() + 7);
    if (sig <= 0 || sig >= NSIG) {
      say(c.fd, "error no such signal");
      return;
    }
    if (!exited_ && ::kill(-pid_, sig) < 0 && errno == ESRCH)
      ::kill(pid_, sig);
    say(c.fd, "ok");
  } else if (line == "done") {
    if (!exited_) {
      say(c.fd, "error the task is still running");
      return;
    }
    say(c.fd, "ok");
    done_ = true;
  } else {
    say(c.fd, "error unknown request");
  }
}

void shim::read_client(client& c) {
  char buf[max_line];
  ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0) {
    ::close(c.fd);
    c.fd = -1;
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  for (size_t nl; (nl = c.in.find('\n')) != std::string::npos;) {
    handle(c, c.in.substr(0, nl));
    c.in.erase(0, nl + 1);
  }
  if (c.in.size() > max_line) {
    say(c.fd, "error request too long");
    ::close(c.fd);
    c.fd = -1;
  }
}

int shim::run(int report_fd) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, nullptr);
  signal_fd_ = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  std::string error;
  if (signal_fd_ < 0 || !start(&error)) {
    if (error.empty())
      error = std::string("cannot watch the task: ") + std::strerror(errno);
    say(report_fd, "error " + error);
    ::unlink(shim_socket_name);
    return 1;
  }
  say(report_fd, "started " + std::to_string(pid_) + " " + std::to_string(::getpid()));
  // Out of the agent's cgroups (best effort: a host without them has none),
  // after the report: a cgroup move can take milliseconds (v1 waits for
  // RCU), and the agent need not wait for it.
  auto self = std::to_string(::getpid());
  for (const auto& file : o_.self_join) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = ::write(fd, self.data(), self.size());
      (void) n;
      ::close(fd);
    }
  }
  // Let the agent's pipe go: from here on the shim's own words go to a file.
  int log = ::open("shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::dup2(null_fd, 0);
  ::dup2(log >= 0 ? log : null_fd, 1);
  ::dup2(log >= 0 ? log : null_fd, 2);
  for (int fd : {log, null_fd})
    if (fd > 2)
      ::close(fd);
  reap();  // a task that ended before the signalfd was read
  while (!done_) {
    std::vector<pollfd> fds{{signal_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0},
                            {out_.pipe, POLLIN, 0}, {err_.pipe, POLLIN, 0}};
    for (auto& c : clients_)
      fds.push_back({c.fd, POLLIN, 0});
    int64_t timeout = -1;
    if (exited_) {
      auto left = ended_at_ + o_.linger_ms - now_ms();
      if (left <= 0)
        break;
      timeout = std::min<int64_t>(left, 60000);
    }
    for (const auto* s : {&out_, &err_})
      if (auto due = s->stamper.partial_due_ns(); due >= 0) {
        auto left = std::max<int64_t>(0, (due - now_ns()) / 1000000 + 1);
        timeout = timeout < 0 ? left : std::min(timeout, left);
      }
    if (::poll(fds.data(), fds.size(), static_cast<int>(timeout)) < 0 && errno != EINTR)
      break;
    if (fds[0].revents)
      reap();
    if (fds[2].revents)
      out_.pump(4);
    if (fds[3].revents)
      err_.pump(4);
    out_.flush_due();
    err_.flush_due();
    for (size_t i = 4; i < fds.size(); ++i)
      if (fds[i].revents)
        read_client(clients_[i - 4]);
    clients_.erase(std::remove_if(clients_.begin(), clients_.end(),
                                  [](const client& c) { return c.fd < 0; }),
                   clients_.end());
    if (fds[1].revents) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0 && clients_.size() >= max_clients)
        ::close(fd);
      else if (fd >= 0)
        clients_.push_back(client{fd, {}, false});
    }
  }
  for (auto* s : {&out_, &err_}) {
    s->pump(1024);
    std::string rest;
    s->stamper.flush(&rest);
    write_all(s->file, rest);
  }
  ::unlink(shim_socket_name);
  return 0;
}

} // namespace

int shim_main(int argc, char** argv) {
  shim_options o;
  std::string error;
  if (!parse(argc, argv, &o, &error)) {
    std::fprintf(stdout, "error %s\n", error.c_str());
    return 2;
  }
  if (::chdir(o.dir.c_str()) != 0) {
    std::fprintf(stdout, "error cannot enter the task's folder '%s': %s\n",
                 o.dir.c_str(), std::strerror(errno));
    return 1;
  }
  std::fflush(stdout);
  pid_t p = ::fork();
  if (p < 0) {
    std::fprintf(stdout, "error cannot fork the shim: %s\n", std::strerror(errno));
    return 1;
  }
  if (p > 0)
    ::_exit(0);  // the agent reaps this one; the shim is now init's (or a
                 // subreaper's) child, not the agent's
  ::setsid();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  return shim(std::move(o)).run(1);
}

} // namespace troupe
