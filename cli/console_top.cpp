// The console's `top`: the busiest actors by mailbox, message rate, busy time
// or restarts. Under --exec one snapshot; interactively it redraws every
// second until a key or Ctrl-C.
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include <nlohmann/json.hpp>

#include "actors/observe/core/console_view.hpp"
#include "cli/console.hpp"

namespace troupe::cli {

namespace {

volatile std::sig_atomic_t top_interrupted = 0;

extern "C" void on_top_sigint(int) { top_interrupted = 1; }

/// Puts the terminal in non-canonical mode (a single key ends the view) for
/// its lifetime, with a SIGINT handler that only sets a flag.
class key_watch {
public:
  key_watch() {
    top_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_top_sigint;
    sigaction(SIGINT, &sa, &old_action_);
    if (tcgetattr(STDIN_FILENO, &old_) == 0) {
      auto raw = old_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      tcsetattr(STDIN_FILENO, TCSANOW, &raw);
      restore_ = true;
    }
  }
  ~key_watch() {
    if (restore_)
      tcsetattr(STDIN_FILENO, TCSANOW, &old_);
    sigaction(SIGINT, &old_action_, nullptr);
  }
  /// Waits up to `ms`; true when a key or Ctrl-C came.
  bool wait(int ms) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    int n = poll(&p, 1, ms);
    if (top_interrupted)
      return true;
    if (n > 0) {
      char c;
      (void)!read(STDIN_FILENO, &c, 1);
      return true;
    }
    return false;
  }

private:
  termios old_{};
  struct sigaction old_action_ {};
  bool restore_ = false;
};

} // namespace

int console_session::top(const std::vector<std::string>& args) {
  auto key = observe::top_key::mailbox;
  size_t limit = 20;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--sort" && i + 1 < args.size()) {
      auto k = observe::parse_top_key(args[++i]);
      if (!k) {
        std::cerr << "troupe: --sort takes mailbox, rate, time or restarts\n";
        return 1;
      }
      key = *k;
    } else if (args[i] == "--limit" && i + 1 < args.size()) {
      try {
        limit = std::stoul(args[++i]);
      } catch (...) {
        std::cerr << "troupe: --limit takes a number\n";
        return 1;
      }
    } else {
      std::cerr << "troupe: usage: top [--sort mailbox|rate|time|restarts] "
                   "[--limit N]\n";
      return 1;
    }
  }
  if (!refresh())
    return 1;
  auto rates = observe::message_rates(actors_, nullptr, 0, snapshot_ms_);
  auto sorted = observe::sort_top(actors_, key, rates, limit);
  if (!interactive_) {
    if (format_ == "json") {
      auto list = nlohmann::json::array();
      for (const auto& a : sorted)
        list.push_back({{"id", a.id()}, {"name", a.name()}, {"kind", a.kind()},
                        {"mailbox", a.mailbox()}, {"rate", rates[a.id()]},
                        {"busy_ns", a.busy_ns()}, {"restarts", a.restarts()},
                        {"processed", a.processed()}});
      std::cout << list.dump(2) << "\n";
      return 0;
    }
    std::cout << observe::render_top(sorted, rates);
    return 0;
  }
  key_watch keys;
  for (;;) {
    std::cout << "\033[H\033[2J" << "top of " << node_name_
              << " (any key or Ctrl-C to stop)\n"
              << observe::render_top(sorted, rates) << std::flush;
    if (keys.wait(1000))
      break;
    auto before = actors_;
    auto before_ms = snapshot_ms_;
    if (!refresh())
      return 1;
    rates = observe::message_rates(actors_, &before, snapshot_ms_ - before_ms,
                                   snapshot_ms_);
    sorted = observe::sort_top(actors_, key, rates, limit);
  }
  return 0;
}

} // namespace troupe::cli
