// exec_pump: one command started for `troupe exec`, and its standard streams.
// It starts the command (spawn_child: its own session, the task's env,
// working dir and cgroups) on pipes, or on a pseudo-terminal with `tty` (the
// pty's slave is the command's controlling terminal and all three streams),
// and runs one thread that moves bytes: stdin from a queue to the command,
// stdout/stderr from the command into bounded buffers (1 MiB each; a full
// buffer is not read from until taken, so a fast writer is held back as by
// a pipe), and notices the command's end (pidfd). The owner takes what has
// arrived with take(); `on_change` is called from the pump's thread (keep it
// short: send a message) when output or the end arrives.
// Contract: after the end is reported, no more output follows (whatever
// the command had written when it ended is already in the buffers); a
// destroyed pump SIGKILLs the command's process group if it still runs,
// reaps it and joins its thread. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace troupe {

struct exec_command {
  std::vector<std::string> argv;        // argv[0] searched in the env's PATH
  std::vector<std::string> env;         // "K=V", exactly what it gets
  std::string working_dir;              // "" = the agent's
  std::vector<std::string> join_files;  // cgroup.procs files it joins
  bool tty = false;                     // on a pseudo-terminal
  bool interactive = false;             // stdin open (else /dev/null; a tty's stdin is always open)
  uint16_t rows = 0, cols = 0;          // tty: the first window size (0 = the pty's default)
};

struct exec_output {
  std::string output;    // stdout (with a tty: everything the terminal shows)
  std::string errors;    // stderr (always empty with a tty)
  bool exited = false;   // the command ended and this is the last of its output
  int exit_code = 0;     // 128+N when killed by signal N
};

class exec_pump {
public:
  /// Starts the command; nullptr with *error (one sentence) when it cannot.
  static std::unique_ptr<exec_pump> start(const exec_command& command,
                                          std::function<void()> on_change,
                                          std::string* error);
  ~exec_pump();

  exec_pump(const exec_pump&) = delete;
  exec_pump& operator=(const exec_pump&) = delete;

  /// Queues bytes for the command's stdin (dropped when stdin is closed or
  /// the command ended). False when more than 1 MiB would be waiting.
  bool write_input(std::string bytes);
  /// The command's stdin gets EOF once what is queued is written (a tty:
  /// an EOF character, ^D).
  void close_input();
  /// tty: the terminal's new size (the command gets SIGWINCH).
  void resize(uint16_t rows, uint16_t cols);
  /// Sends `signal` to the command.
  void signal(int signal);

  /// Takes up to max_bytes of each buffer; `exited` only once both are empty
  /// and the command has ended.
  exec_output take(size_t max_bytes);
  /// True when take() would return something (output, or the end).
  bool has_news() const;

  int pid() const { return pid_; }

private:
  exec_pump() = default;
  void run();
  struct read_result {
    size_t bytes = 0;
    bool eof = false;
  };
  /// Reads fd into *into until EAGAIN, EOF or *into holds up_to bytes.
  read_result read_some(int fd, std::string* into, size_t up_to);
  void write_queued_input();
  /// The command ended: reap it, take what it left in the pipes, end.
  void reap_and_drain(bool output_eof, bool errors_eof);
  void wake();

  int pid_ = 0;
  int pidfd_ = -1;
  int wake_fd_ = -1;        // eventfd: input queued, or stop
  int input_fd_ = -1;       // -1 once closed
  int output_fd_ = -1;      // the pty master with a tty
  int errors_fd_ = -1;
  bool tty_ = false;
  std::function<void()> on_change_;

  mutable std::mutex mtx_;
  std::string input_;       // queued for stdin
  bool close_input_ = false;
  std::string output_, errors_;
  bool ended_ = false;      // the command ended and its output was drained
  int exit_code_ = 0;
  bool reaped_ = false;
  bool end_reported_ = false;  // take() has returned `exited`
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace troupe
