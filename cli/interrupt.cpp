#include "cli/interrupt.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

namespace troupe::cli {

namespace {

volatile std::sig_atomic_t interrupted_flag = 0;

void on_interrupt(int) { interrupted_flag = 1; }

} // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return interrupted_flag != 0; }

bool sleep_unless_interrupted(int64_t ms) {
  using namespace std::chrono;
  auto deadline = steady_clock::now() + milliseconds(ms);
  while (!interrupted()) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    if (left <= 0)
      return true;
    std::this_thread::sleep_for(milliseconds(std::min<int64_t>(left, 50)));
  }
  return false;
}

} // namespace troupe::cli
