#include "runtime/exec_pump.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "runtime/child_process.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {
namespace {

constexpr size_t buffer_cap = 1 << 20;  // per output buffer, and queued input

std::string errno_text() { return std::strerror(errno); }

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

bool set_non_blocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

bool set_window(int fd, uint16_t rows, uint16_t cols) {
  winsize ws{};
  ws.ws_row = rows;
  ws.ws_col = cols;
  return ::ioctl(fd, TIOCSWINSZ, &ws) == 0;
}

// A pty: *master (the pump's output; *input a second fd on it, closed on its
// own) and *slave (the command's three streams).
bool open_pty(const exec_command& c, int* master, int* input, int* slave,
              std::string* error) {
  *master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[64];
  bool ok = *master >= 0 && ::grantpt(*master) == 0 && ::unlockpt(*master) == 0
            && ::ptsname_r(*master, name, sizeof name) == 0
            && (*slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0
            && (*input = ::fcntl(*master, F_DUPFD_CLOEXEC, 0)) >= 0
            && set_non_blocking(*master)
            && (!(c.rows || c.cols) || set_window(*master, c.rows, c.cols));
  if (!ok)
    *error = "cannot open a pseudo-terminal: " + errno_text();
  return ok;
}

// A pipe: *ours (non-blocking) and *theirs (the command's end).
bool open_pipe(bool ours_reads, int* ours, int* theirs, std::string* error) {
  int fds[2];
  bool ok = ::pipe2(fds, O_CLOEXEC) == 0;
  if (ok) {
    *ours = fds[ours_reads ? 0 : 1];
    *theirs = fds[ours_reads ? 1 : 0];
    ok = set_non_blocking(*ours);
  }
  if (!ok)
    *error = "cannot create a pipe: " + errno_text();
  return ok;
}

// SIGPIPE: the pump's thread blocks it and takes back the one a write to a
// closed stdin raises (EPIPE is handled where write() reports it).
sigset_t pipe_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

// Moves up to max bytes from the front of *from.
std::string take_front(std::string* from, size_t max) {
  size_t n = std::min(max, from->size());
  std::string out = from->substr(0, n);
  from->erase(0, n);
  return out;
}

} // namespace

std::unique_ptr<exec_pump> exec_pump::start(const exec_command& c,
                                            std::function<void()> on_change,
                                            std::string* error) {
  // Until the thread runs, the destructor cleans up whatever was opened.
  std::unique_ptr<exec_pump> p(new exec_pump());
  p->tty_ = c.tty;
  p->on_change_ = std::move(on_change);
  child_options o;
  o.argv = c.argv;
  o.env = c.env;
  o.working_dir = c.working_dir;
  o.join_files = c.join_files;
  int theirs[3] = {-1, -1, -1};  // the command's stdin, stdout, stderr ends
  bool ok;
  if (c.tty) {
    ok = open_pty(c, &p->output_fd_, &p->input_fd_, &theirs[0], error);
    o.input_fd = o.output_fd = theirs[0];
    o.controlling_tty = true;
  } else {
    ok = open_pipe(true, &p->output_fd_, &theirs[1], error)
         && open_pipe(true, &p->errors_fd_, &theirs[2], error)
         && (!c.interactive || open_pipe(false, &p->input_fd_, &theirs[0], error));
    o.input_fd = theirs[0];
    o.output_fd = theirs[1];
    o.errors_fd = theirs[2];
  }
  if (ok && (p->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
    *error = "cannot create an eventfd: " + errno_text();
    ok = false;
  }
  ok = ok && spawn_child(o, &p->pid_, error);
  for (int& fd : theirs)
    close_fd(fd);
  if (!ok)
    return nullptr;
  p->pidfd_ = open_pidfd(p->pid_);
  if (p->pidfd_ < 0) {
    *error = "cannot watch the command's end: " + errno_text();
    return nullptr;  // the destructor kills and reaps it
  }
  try {
    p->thread_ = std::thread([raw = p.get()] { name_this_thread("exec.pump"); raw->run(); });
  } catch (const std::system_error& e) {
    *error = std::string("cannot start the exec thread: ") + e.what();
    return nullptr;
  }
  return p;
}

exec_pump::~exec_pump() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> guard(mtx_);
      stopping_ = true;
    }
    wake();
    thread_.join();
  }
  // The thread is gone: nobody else reaps now.
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case it left its process group
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  for (int* fd : {&pidfd_, &wake_fd_, &input_fd_, &output_fd_, &errors_fd_})
    close_fd(*fd);
}

bool exec_pump::write_input(std::string bytes) {
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (input_fd_ < 0 || close_input_ || ended_)
      return true;  // dropped: stdin is closed
    if (input_.size() + bytes.size() > buffer_cap)
      return false;
    input_ += bytes;
  }
  wake();
  return true;
}

void exec_pump::close_input() {
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (close_input_ || input_fd_ < 0)
      return;
    close_input_ = true;
    if (tty_) {  // a terminal has no EOF of its own: send its EOF character
      termios t{};
      input_ += ::tcgetattr(output_fd_, &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : '\x04';
    }
  }
  wake();
}

void exec_pump::resize(uint16_t rows, uint16_t cols) {
  if (tty_)
    set_window(output_fd_, rows, cols);  // the kernel sends SIGWINCH
}

void exec_pump::signal(int sig) {
  std::lock_guard<std::mutex> guard(mtx_);  // reaping holds it too
  if (!reaped_)
    ::kill(pid_, sig);
}

exec_output exec_pump::take(size_t max_bytes) {
  exec_output out;
  bool was_full;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    was_full = output_.size() >= buffer_cap || errors_.size() >= buffer_cap;
    out.output = take_front(&output_, max_bytes);
    out.errors = take_front(&errors_, max_bytes);
    out.exited = ended_ && output_.empty() && errors_.empty();
    out.exit_code = exit_code_;
    end_reported_ = end_reported_ || out.exited;
  }
  if (was_full && (!out.output.empty() || !out.errors.empty()))
    wake();  // room again: the thread polls the output once more
  return out;
}

bool exec_pump::has_news() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return !output_.empty() || !errors_.empty() || (ended_ && !end_reported_);
}

void exec_pump::wake() {
  uint64_t one = 1;
  while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

exec_pump::read_result exec_pump::read_some(int fd, std::string* into, size_t up_to) {
  read_result r;
  size_t room;  // take() only shrinks *into meanwhile: room is never too much
  {
    std::lock_guard<std::mutex> guard(mtx_);
    room = up_to - std::min(up_to, into->size());
  }
  char buf[64 * 1024];
  while (room > 0) {
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, room));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      r.eof = n == 0 || errno != EAGAIN;  // EIO: a pty whose slave is closed
      break;
    }
    std::lock_guard<std::mutex> guard(mtx_);
    into->append(buf, static_cast<size_t>(n));
    r.bytes += static_cast<size_t>(n);
    room -= static_cast<size_t>(n);
  }
  return r;
}

void exec_pump::write_queued_input() {
  std::lock_guard<std::mutex> guard(mtx_);
  while (input_fd_ >= 0 && !input_.empty()) {
    ssize_t n = ::write(input_fd_, input_.data(), input_.size());
    if (n > 0) {
      input_.erase(0, static_cast<size_t>(n));
    } else if (errno == EAGAIN) {
      return;
    } else if (errno != EINTR) {  // EPIPE: the command closed its stdin
      auto set = pipe_signal();
      timespec now{};
      ::sigtimedwait(&set, nullptr, &now);
      input_.clear();
      close_fd(input_fd_);
    }
  }
}

void exec_pump::reap_and_drain(bool output_eof, bool errors_eof) {
  int status = 0;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    pid_t r;
    while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    exit_code_ = r == pid_ ? describe_wait_status(status).exit_code : 255;
    reaped_ = true;
  }
  // What the command wrote before it ended, even into a full buffer (a pipe
  // or pty holds far less than buffer_cap); bounded, so that a grandchild
  // writing on and on does not hold the end back.
  if (!output_eof)
    read_some(output_fd_, &output_, 2 * buffer_cap);
  if (!errors_eof)
    read_some(errors_fd_, &errors_, 2 * buffer_cap);
  std::lock_guard<std::mutex> guard(mtx_);
  ended_ = true;
  input_.clear();
  close_fd(input_fd_);
}

void exec_pump::run() {
  auto set = pipe_signal();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  bool output_eof = false, errors_eof = errors_fd_ < 0;
  for (;;) {
    // What to wait for: the wake-up, the end, outputs with room, queued input.
    enum { wake_at, pid_at, output_at, errors_at, input_at };
    pollfd fds[5] = {};
    {
      std::lock_guard<std::mutex> guard(mtx_);
      if (stopping_)
        return;
      if (input_fd_ >= 0 && input_.empty() && close_input_)
        close_fd(input_fd_);  // all written: stdin gets EOF
      bool reading = !ended_;
      fds[wake_at] = {wake_fd_, POLLIN, 0};
      fds[pid_at] = {reaped_ ? -1 : pidfd_, POLLIN, 0};
      fds[output_at] = {reading && !output_eof && output_.size() < buffer_cap
                        ? output_fd_ : -1, POLLIN, 0};
      fds[errors_at] = {reading && !errors_eof && errors_.size() < buffer_cap
                        ? errors_fd_ : -1, POLLIN, 0};
      fds[input_at] = {input_.empty() ? -1 : input_fd_, POLLOUT, 0};
    }
    if (::poll(fds, 5, -1) < 0)
      continue;  // EINTR (nothing else is expected with valid fds)
    if (fds[wake_at].revents) {
      uint64_t count;
      ssize_t n = ::read(wake_fd_, &count, sizeof count);
      (void) n;
    }
    if (fds[input_at].revents)
      write_queued_input();
    bool changed = false;
    auto pull = [&](const pollfd& p, std::string* into, bool* eof) {
      if (p.revents) {
        auto r = read_some(p.fd, into, buffer_cap);
        *eof = r.eof;
        changed = changed || r.bytes > 0;
      }
    };
    pull(fds[output_at], &output_, &output_eof);
    pull(fds[errors_at], &errors_, &errors_eof);
    if (fds[pid_at].revents) {
      reap_and_drain(output_eof, errors_eof);
      changed = true;
    }
    if (changed && on_change_)
      on_change_();
  }
}

} // namespace troupe
