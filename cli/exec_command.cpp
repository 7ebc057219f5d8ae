// `troupe exec [-i] [-t] TASK [--] CMD...`: runs CMD inside a running task
// and carries its streams through the node API (pb::ExecRequest rounds;
// the manager passes them to the task's node). The main thread does output
// rounds (each held by the node up to 250 ms for output) and forwards
// SIGINT/SIGTERM/SIGHUP (with -t: the window size on SIGWINCH; Ctrl-C is
// then a byte the terminal turns into SIGINT there); with -i or -t an input
// thread sends stdin as it is read. Exits with the command's exit code, or
// 125 when troupe could not run it or lost the session (as docker exec).
// Every word after TASK is the command's, so global options go before
// `exec` (split_exec_command cuts `-- CMD...` off before CLI11 parses).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"

namespace troupe::cli {

namespace {

constexpr int troupe_failed = 125;  // docker exec's code for its own failures
constexpr uint32_t output_wait_ms = 250;
constexpr size_t input_chunk = 64 << 10;

struct exec_options {
  client_options client;
  std::string task;
  bool interactive = false;
  bool tty = false;
  std::vector<std::string> command;
};

// The words after `troupe exec ... --`, cut off the line before parsing.
std::vector<std::string> command_after_dashes;
bool had_dashes = false;

volatile std::sig_atomic_t pending_signal = 0;
volatile std::sig_atomic_t window_changed = 0;

void on_signal(int sig) {
  if (sig == SIGWINCH)
    window_changed = 1;
  else
    pending_signal = sig;
}

void install_handlers(bool tty) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    ::sigaction(sig, &sa, nullptr);
  if (tty)
    ::sigaction(SIGWINCH, &sa, nullptr);
}

/// The local terminal in raw mode while the command runs (restored after).
class raw_terminal {
public:
  raw_terminal() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~raw_terminal() { restore(); }
  void restore() {
    if (active_)
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    active_ = false;
  }

private:
  termios saved_{};
  bool active_ = false;
};

void window_size(pb::ExecRequest* req) {
  winsize ws{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    req->set_rows(ws.ws_row);
    req->set_cols(ws.ws_col);
  }
}

void write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // our stdout is gone: nothing to show the output on
    done += static_cast<size_t>(n);
  }
}

/// One round; false (with *why) when the node could not be reached or refused.
bool round_trip(const exec_options& o, const pb::ExecRequest& exec, pb::ExecReply* out,
                std::string* why) {
  pb::Request request;
  *request.mutable_exec() = exec;
  pb::Response response;
  int timeout = request_timeout_ms(o.client) + static_cast<int>(exec.wait_ms());
  if (!call_api(api_address(o.client), request, &response, timeout, why))
    return false;
  if (!response.error().empty()) {
    *why = response.error();
    return false;
  }
  *out = response.exec();
  return true;
}

/// The input thread: stdin to the command, as input-only rounds, until EOF
/// (then stdin_closed) or until the session is over.
void pump_input(const exec_options& o, pb::ExecRequest base, std::atomic<bool>* over) {
  std::string buf(input_chunk, '\0');
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (over->load())
      return;
    pb::ExecRequest req = base;
    req.set_input_only(true);
    if (n > 0)
      req.set_input(buf.data(), static_cast<size_t>(n));
    else
      req.set_input_closed(true);
    pb::ExecReply ignored;
    std::string why;
    if (!round_trip(o, req, &ignored, &why) || n <= 0)
      return;  // the output rounds notice a lost session and say so
  }
}

int run_exec(const exec_options& o) {
  if (o.command.empty()) {
    fail("give the command to run after the task: troupe exec TASK -- CMD...");
    return troupe_failed;
  }
  if (o.tty && !::isatty(STDIN_FILENO)) {
    fail("the input device is not a terminal: drop -t, or run troupe exec from a "
         "terminal");
    return troupe_failed;
  }
  pb::ExecRequest start;
  start.set_task(o.task);
  for (const auto& a : o.command)
    start.add_command(a);
  start.set_tty(o.tty);
  start.set_interactive(o.interactive || o.tty);
  if (o.tty)
    window_size(&start);
  install_handlers(o.tty);
  pb::ExecReply reply;
  std::string why;
  if (!round_trip(o, start, &reply, &why)) {
    fail(why);
    return troupe_failed;
  }
  pb::ExecRequest base;
  base.set_task(reply.task());
  base.set_session(reply.session());
  std::unique_ptr<raw_terminal> raw;
  if (o.tty)
    raw = std::make_unique<raw_terminal>();
  auto over = std::make_shared<std::atomic<bool>>(false);
  bool reads_input = o.interactive || o.tty;
  if (reads_input)
    std::thread([o, base, over] { pump_input(o, base, over.get()); }).detach();
  int code = troupe_failed;
  for (;;) {
    pb::ExecRequest req = base;
    req.set_wait_ms(output_wait_ms);
    if (window_changed) {
      window_changed = 0;
      window_size(&req);
    }
    if (pending_signal) {
      req.set_signal(pending_signal);
      pending_signal = 0;
    }
    if (!round_trip(o, req, &reply, &why)) {
      if (raw)
        raw->restore();
      fail("lost the command in task " + base.task() + ": " + why);
      break;
    }
    write_all(STDOUT_FILENO, reply.output());
    write_all(STDERR_FILENO, reply.errors());
    if (reply.exited()) {
      code = reply.exit_code();
      break;
    }
  }
  over->store(true);
  if (raw)
    raw->restore();
  if (reads_input) {
    // The input thread may sit in read(2) on a terminal: leave without
    // waiting for it (nothing of ours is buffered: output went by write(2)).
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(code);
  }
  return code;
}

} // namespace

void register_exec_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<exec_options>();
  auto* exec = app.add_subcommand(
    "exec", "run a command inside a running task (troupe exec [-i] [-t] TASK -- CMD...)");
  exec->add_option("TASK", o->task, "a task id (troupe service ps), or SERVICE.SLOT")
    ->required();
  exec->add_flag("-i,--interactive", o->interactive, "pass stdin to the command");
  exec->add_flag("-t,--tty", o->tty,
                 "run it on a terminal (Ctrl-C and the window size reach it)");
  add_client_options(exec, &o->client, false);
  // Everything after TASK is the command, options included (as docker
  // exec): the global options go before `exec` (`troupe --host A exec ...`),
  // since what exec does not know must not fall through to them.
  exec->prefix_command();
  exec->fallthrough(false);
  exec->callback([o, exec, exit_code] {
    o->command = had_dashes ? command_after_dashes : exec->remaining();
    *exit_code = run_exec(*o);
  });
}

int split_exec_command(const CLI::App& app, int argc, char** argv) {
  // The first word that is neither an option of the top app nor the value
  // of one (the global options, as the app defines them).
  int i = 1;
  for (; i < argc; ++i) {
    std::string w = argv[i];
    if (w.empty() || w[0] != '-')
      break;
    if (w.find('=') == std::string::npos)
      if (const auto* opt = app.get_option_no_throw(w); opt && opt->get_type_size() > 0)
        ++i;
  }
  if (i >= argc || std::string(argv[i]) != "exec")
    return argc;
  for (int d = i + 1; d < argc; ++d)
    if (std::string(argv[d]) == "--") {
      had_dashes = true;
      command_after_dashes.assign(argv + d + 1, argv + argc);
      return d;
    }
  return argc;
}

} // namespace troupe::cli
