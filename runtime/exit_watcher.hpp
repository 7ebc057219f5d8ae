// Exit detection for many processes on one thread, with no polling: each
// watched process gets a pidfd (pidfd_open) in one epoll set, and the
// watcher's thread sleeps until one of them ends. It only observes: reaping
// (waitpid) stays with whoever owns the child, so helper commands and health
// checks that wait for their own children are not disturbed.
// Contract: watch() calls on_exit exactly once, on the watcher's thread (or
// at once on the caller's thread when the process has already been reaped),
// after the process has ended; false when this host cannot watch it (no
// pidfd: the caller polls instead). Callbacks must be short (send a message).
// watch_fd() does the same for any fd that turns readable (a shim's socket).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace troupe {

class exit_watcher {
public:
  exit_watcher();
  ~exit_watcher();

  exit_watcher(const exit_watcher&) = delete;
  exit_watcher& operator=(const exit_watcher&) = delete;

  bool watch(int pid, std::function<void()> on_exit);

  /// Calls on_event once when `fd` becomes readable or hangs up (a shim's
  /// socket: its exit line, or its end). Takes `fd` over (closes it after).
  bool watch_fd(int fd, std::function<void()> on_event);

  /// Processes watched and not yet ended.
  size_t watched() const;

private:
  void run();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: ends the thread
  mutable std::mutex mtx_;
  uint64_t next_key_ = 1;
  struct watch_entry {
    int pidfd;
    std::function<void()> on_exit;
  };
  std::map<uint64_t, watch_entry> entries_;
  std::thread thread_;
};

} // namespace troupe
