#include "runtime/blocking_pool.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {

blocking_pool::blocking_pool(size_t threads) {
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { name_this_thread("blocking.pool"); run(); });
}

blocking_pool::~blocking_pool() {
  {
    std::lock_guard<std::mutex> guard(mtx_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void blocking_pool::submit(std::function<void()> job) {
  if (threads_.empty()) {
    job();
    return;
  }
  {
    std::lock_guard<std::mutex> guard(mtx_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

size_t blocking_pool::queued() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return jobs_.size();
}

void blocking_pool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mtx_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty())
        return; // stopping, and nothing left to do
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

} // namespace troupe
