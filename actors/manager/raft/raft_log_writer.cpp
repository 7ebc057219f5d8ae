// raft_log_writer: group commit on a thread of its own (see the header).
#include "actors/manager/raft/raft_log_writer.hpp"
#include "runtime/thread_name.hpp"
#include "runtime/thread_priority.hpp"

namespace troupe::raft {

raft_log_writer::raft_log_writer(std::shared_ptr<raft_storage> storage,
                                 std::function<void()> notify, bool threaded)
  : storage_(std::move(storage)), notify_(std::move(notify)),
    threaded_(threaded) {
  if (threaded_)
    thread_ = std::thread([this] {
      name_this_thread("raft.log");
      prioritize_this_thread(consensus_nice);  // best effort, as the raft actor
      run();
    });
}

raft_log_writer::~raft_log_writer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

uint64_t raft_log_writer::submit(ready rd) {
  ready part; // only what save() reads crosses to the thread
  part.snapshot = std::move(rd.snapshot);
  part.compacted = std::move(rd.compacted);
  part.entries = std::move(rd.entries);
  part.hard_state = std::move(rd.hard_state);
  part.stable_index = rd.stable_index;
  part.stable_term = rd.stable_term;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(part));
    seq = ++submitted_;
  }
  if (!threaded_) {
    std::deque<ready> batches;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (error_)
        return seq;
      batches.swap(queue_);
    }
    save(std::move(batches));
    return seq;
  }
  cv_.notify_one();
  return seq;
}

uint64_t raft_log_writer::submitted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return submitted_;
}

uint64_t raft_log_writer::durable() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_;
}

std::optional<std::string> raft_log_writer::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

uint64_t raft_log_writer::saves() const {
  std::lock_guard<std::mutex> lock(mu_);
  return saves_;
}

void raft_log_writer::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || (!queue_.empty() && !error_); });
    if (queue_.empty() || error_) {
      if (stop_)
        return;
      continue;
    }
    // Everything queued now goes into one save; batches that cannot be
    // folded (snapshots, compactions) start a save of their own.
    std::deque<ready> batches;
    batches.swap(queue_);
    lock.unlock();
    save(std::move(batches));
    lock.lock();
  }
}

void raft_log_writer::save(std::deque<ready> batches) {
  uint64_t done = 0;
  std::optional<std::string> err;
  uint64_t saves = 0;
  while (!batches.empty() && !err) {
    ready all = std::move(batches.front());
    batches.pop_front();
    uint64_t n = 1;
    while (!batches.empty() && fold_batch(all, batches.front())) {
      batches.pop_front();
      ++n;
    }
    std::string why;
    ++saves;
    if (storage_->save(all, &why))
      done += n;
    else
      err = why.empty() ? std::string("the raft log could not be saved") : why;
  }
  std::unique_lock<std::mutex> lock(mu_);
  durable_ += done;
  saves_ += saves;
  if (err)
    error_ = err;
  lock.unlock();
  notify_();
}

} // namespace troupe::raft
