// A small, fixed pool of threads for blocking work that must never run on
// CAF's shared scheduler threads: starting and cleaning up containers
// (fork/exec, runc, umoci, cgroup writes), signalling them through runc.
// Contract: submit() queues a job and returns at once; jobs run in FIFO
// order on at most `threads` threads at a time (the bound on concurrent
// starts); the destructor runs the jobs still queued, then joins. A job
// reports back by sending a message; it must not hold the pool itself.
// A pool made with 0 threads runs each job inline in submit() (tests on the
// deterministic test coordinator).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace troupe {

class blocking_pool {
public:
  explicit blocking_pool(size_t threads);
  ~blocking_pool();

  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  void submit(std::function<void()> job);

  /// Jobs queued and not yet started.
  size_t queued() const;

private:
  void run();

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace troupe
