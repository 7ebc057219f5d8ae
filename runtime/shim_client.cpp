#include "runtime/shim_client.hpp"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/shim.hpp"

namespace troupe {

namespace {

int64_t ms_left(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           deadline - std::chrono::steady_clock::now()).count();
}

/// Reads up to the first '\n' (excluded) within timeout_ms; false on end of
/// file or timeout before one. *eof tells which.
bool read_line(int fd, int timeout_ms, std::string* line, bool* eof) {
  *eof = false;
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    char c;
    ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
    if (n < 0 && errno == ENOTSOCK)
      n = ::read(fd, &c, 1);  // a pipe (start_shim's report)
    if (n == 1) {
      if (c == '\n')
        return true;
      if (line->size() < 4096)
        line->push_back(c);
      continue;
    }
    if (n == 0) {
      *eof = true;
      return false;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *eof = true;
      return false;
    }
    auto left = ms_left(deadline);
    if (left <= 0)
      return false;
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left));
  }
}

std::string socket_path(const std::string& dir, int* dir_fd) {
  *dir_fd = -1;
  std::string path = dir + "/" + shim_socket_name;
  if (path.size() < sizeof(sockaddr_un::sun_path))
    return path;
  // Too long for sun_path: go through a descriptor of the folder.
  *dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  return "/proc/self/fd/" + std::to_string(*dir_fd) + "/" + shim_socket_name;
}

} // namespace

std::vector<std::string> shim_command() {
  static const std::vector<std::string> command = [] {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    std::string exe = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "troupe";
    auto slash = exe.rfind('/');
    auto small = (slash == std::string::npos ? std::string() : exe.substr(0, slash + 1))
                 + "troupe-shim";
    if (::access(small.c_str(), X_OK) == 0)
      return std::vector<std::string>{small};
    return std::vector<std::string>{exe, "shim"};
  }();
  return command;
}

bool start_shim(const child_options& task, const std::string& dir,
                const std::string& pid_file, shim_started* out,
                std::string* error, const std::vector<std::string>& shim_cgroups) {
  child_options o;
  o.argv = shim_command();
  auto add = [&](const char* flag, const std::string& value) {
    if (value.empty())
      return;
    o.argv.push_back(flag);
    o.argv.push_back(value);
  };
  add("--dir", dir);
  add("--stdout", task.stdout_path);
  add("--stderr", task.stderr_path);
  add("--workdir", task.working_dir);
  add("--pid-file", pid_file);
  for (const auto& f : task.join_files)
    add("--join", f);
  for (const auto& f : shim_cgroups)
    add("--self-join", f);
  o.argv.push_back("--");
  o.argv.insert(o.argv.end(), task.argv.begin(), task.argv.end());
  o.env = task.env;
  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) {
    *error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  ::fcntl(report[0], F_SETFL, O_NONBLOCK);
  o.output_fd = report[1];
  int first = 0;
  bool spawned = spawn_child(o, &first, error);
  ::close(report[1]);
  std::string line;
  bool eof = false;
  if (spawned)
    read_line(report[0], 30000, &line, &eof);
  ::close(report[0]);
  if (!spawned)
    return false;
  int status;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }
  int pid = 0, shim_pid = 0;
  if (line.rfind("started ", 0) == 0
      && std::sscanf(line.c_str(), "started %d %d", &pid, &shim_pid) == 2
      && pid > 0) {
    out->pid = pid;
    out->shim_pid = shim_pid;
    return true;
  }
  if (line.rfind("error ", 0) == 0)
    *error = line.substr(6);
  else
    *error = "the task's shim ended before it reported ("
             + (line.empty() ? std::string("no answer") : line) + ")";
  return false;
}

int connect_shim(const std::string& dir) {
  if (dir.empty())
    return -1;
  int dir_fd;
  auto path = socket_path(dir, &dir_fd);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  bool ok = fd >= 0 && path.size() < sizeof addr.sun_path;
  if (ok) {
    std::strcpy(addr.sun_path, path.c_str());
    ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  if (dir_fd >= 0)
    ::close(dir_fd);
  if (!ok && fd >= 0) {
    ::close(fd);
    fd = -1;
  }
  return fd;
}

bool shim_call(const std::string& dir, const std::string& request,
               std::string* reply, int timeout_ms) {
  int fd = connect_shim(dir);
  if (fd < 0)
    return false;
  std::string out = request + "\n";
  bool eof = false;
  reply->clear();
  bool ok = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size())
            && read_line(fd, timeout_ms, reply, &eof);
  ::close(fd);
  return ok;
}

int shim_wait_fd(const std::string& dir) {
  int fd = connect_shim(dir);
  if (fd < 0)
    return -1;
  if (::send(fd, "wait\n", 5, MSG_NOSIGNAL) != 5) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::optional<exit_status> read_exit_line(int fd, int timeout_ms, bool* gone) {
  *gone = false;
  std::string line;
  bool eof = false;
  if (read_line(fd, timeout_ms, &line, &eof))
    return parse_exit_line(line);
  *gone = eof;
  return std::nullopt;
}

std::optional<exit_status> shim_exit(int wait_fd, const std::string& dir,
                                     int timeout_ms, bool* lost) {
  *lost = false;
  bool gone = wait_fd < 0;
  std::optional<exit_status> exit;
  if (!gone)
    exit = read_exit_line(wait_fd, 0, &gone);
  if (!exit)  // written before the shim says it: it may be there first
    exit = read_exit_record(dir);
  if (!exit && !gone && timeout_ms > 0)
    exit = read_exit_line(wait_fd, timeout_ms, &gone);
  if (!exit && gone)
    exit = read_exit_record(dir);
  *lost = !exit && gone;
  return exit;
}

std::optional<exit_status> read_exit_record(const std::string& dir) {
  int fd = ::open((dir + "/" + exit_record_name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0)
    return std::nullopt;
  std::string text(buf, static_cast<size_t>(n));
  auto nl = text.find('\n');
  return parse_exit_line(text.substr(0, nl));
}

void remove_exit_record(const std::string& dir) {
  ::unlink((dir + "/" + exit_record_name).c_str());
}

} // namespace troupe
