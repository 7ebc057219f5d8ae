// The "sim" driver: a simulated container with no process behind it, for
// clusters of thousands of simulated nodes on one host. It holds no process,
// writes no files (uses_host() is false) and runs nothing: a container is a
// few dozen bytes in memory whose life is set by the task's env
// (container_spec.env; durations as in stack files, e.g. 500ms, 2s, 1m):
// - SIM_START_DELAY=d (default 0): start() returns at once with
//   ready_after_ms = d; the times below count from start() + d;
// - SIM_START_FAIL=message: start() fails, "simulated start failure: message";
// - SIM_EXIT_AFTER=d, SIM_EXIT_CODE=0..255 (default 0): it exits by itself,
//   "exited with code N";
// - SIM_CRASH_AFTER=d: it dies as if by SIGSEGV (139, "killed by SIGSEGV");
//   with SIM_EXIT_AFTER too, the earlier one happens (the crash on a tie);
// - SIM_UNHEALTHY_AFTER=d: from then on, commands run in it fail and
//   simulated_health() is false (its health checks fail, whatever kind);
// - SIM_STOP_DELAY=d (default 0): how long after SIGTERM (or any signal but
//   SIGKILL) it takes to end, "killed by SIGTERM" (128+N); SIGKILL ends it at
//   once (137); a signal to a container that has ended is ignored.
// Its pid is sim_pid_base + a slot: not a process (see below).
// A malformed value makes start() fail with a sentence naming the variable.
// exec_argv() is not only a translation: `sim exit N`, `sim crash`,
// `sim unhealthy` and `sim healthy` change the container at once (it then
// returns /bin/true; a malformed `sim ...` returns a shell command printing
// why and exiting 2); any other command becomes /bin/true while healthy and
// /bin/false once unhealthy; in a container that has ended, any command
// prints so and fails. An unknown or cleaned-up id polls as ended (137,
// "the simulated container is gone").
// Thread safety: every method may be called from any thread; one mutex
// guards the state (mutable: exec_argv is const and has the effects above).
// One timer thread per driver holds a priority queue of deadlines and calls
// the notify_exit() callbacks, never under the mutex; callbacks still
// pending when the driver is destroyed are dropped. Costs: O(log n) per
// event, nothing scans all containers; a deadline that no longer matters
// (container killed or cleaned up) stays queued (16 bytes) until it passes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/driver.hpp"

namespace troupe {

class sim_driver : public driver {
public:
  sim_driver();
  ~sim_driver() override;

  sim_driver(const sim_driver&) = delete;
  sim_driver& operator=(const sim_driver&) = delete;

  std::string name() const override { return "sim"; }
  bool uses_host() const override { return false; }
  bool reattaches() const override { return false; }
  bool start(const container_spec& spec, container_handle* out,
             std::string* error) override;
  std::optional<exit_status> poll(const container_handle& c) override;
  bool notify_exit(const container_handle& c,
                   std::function<void()> on_exit) override;
  void signal(const container_handle& c, int signal) override;
  void cleanup(const container_handle& c) override;
  std::vector<std::string> exec_argv(const container_handle& c,
                                     const std::vector<std::string>& cmd,
                                     bool tty = false) const override;

  /// Its health: false once SIM_UNHEALTHY_AFTER passed or after `sim
  /// unhealthy` (health checks of every kind get this answer).
  std::optional<bool> simulated_health(const container_handle& c) const override;

  /// A container's pid: sim_pid_base + its slot, above any real pid (the
  /// kernel's limit is 2^22), so a running task has one, as troupe expects,
  /// and no process on the host is ever named by it.
  static constexpr int64_t sim_pid_base = int64_t{1} << 30;

  /// Containers started and not yet cleaned up.
  size_t size() const;

private:
  static constexpr int64_t never = INT64_MAX;

  // One simulated container. Times are steady-clock ms.
  struct entry {
    int64_t end_at = never;        // when it ends next (exit, crash, stop)
    int64_t unhealthy_at = never;  // when commands start to fail
    int64_t stop_delay_ms = 0;
    int64_t ended_ms = 0;          // unix ms it ended; 0 = still running
    std::function<void()> on_exit;
    uint32_t generation = 0;       // tells a reused slot's deadlines apart
    uint8_t end_code = 0;          // exit code of the end at end_at, then of the end
    uint8_t end_signal = 0;        // its signal (0 = it exits by itself)
    bool used = false;
  };

  struct deadline {
    int64_t at;
    uint32_t slot;
    uint32_t generation;
    bool operator>(const deadline& o) const { return at > o.at; }
  };

  /// The entry of `id`, or nullptr. Holds mtx_.
  entry* find_locked(const std::string& id) const;
  /// Ends `e` when its end_at has passed. Holds mtx_.
  void settle_locked(entry& e, int64_t now) const;
  /// Ends `e` now (or at the steady time `at` <= now) and hands its
  /// callback to the timer thread. Holds mtx_.
  void end_locked(entry& e, int code, int signal, int64_t at, int64_t now) const;
  /// Queues a deadline for `slot`. Holds mtx_.
  void schedule_locked(uint32_t slot, int64_t at) const;
  /// Applies `sim ...`: "" when done, else why not. Holds mtx_.
  std::string control_locked(entry* e, const std::vector<std::string>& cmd) const;
  void run();

  mutable std::mutex mtx_;
  mutable std::condition_variable wake_;
  mutable std::deque<entry> slots_;  // grows without moving entries
  mutable std::vector<uint32_t> free_slots_;
  std::unordered_map<std::string, uint32_t> ids_;
  mutable std::priority_queue<deadline, std::vector<deadline>, std::greater<deadline>>
      deadlines_;
  mutable std::vector<std::function<void()>> due_;  // callbacks to call now
  bool stopping_ = false;
  std::thread timer_;
};

} // namespace troupe
