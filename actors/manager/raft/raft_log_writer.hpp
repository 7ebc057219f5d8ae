// raft_log_writer: the thread that owns a manager's durable Raft storage
// (raft.db) once the member runs, so that SQLite writes and fsyncs never
// block CAF's scheduler threads (Raft ticks, heartbeats, the API).
// The driver submits the persistent part of each ready batch in the order it
// took them; the thread saves everything queued in one save() (group commit:
// one transaction, one fsync for all of it, batches folded by fold_batch),
// then calls `notify` (cheap and thread-safe: it tells the driver to look).
// Contract: batches become durable strictly in submission order and
// durable() counts them; after a failed save nothing more is saved and
// failed() holds the error (the driver must stop the member). The
// destructor saves what is still queued, then joins the thread. No CAF.
// `threaded = false` saves inside submit() on the caller's thread (then
// notifies): for deterministic tests on CAF's test coordinator only.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "actors/manager/raft/raft_storage.hpp"

namespace troupe::raft {

class raft_log_writer {
public:
  raft_log_writer(std::shared_ptr<raft_storage> storage,
                  std::function<void()> notify, bool threaded = true);
  ~raft_log_writer();
  raft_log_writer(const raft_log_writer&) = delete;
  raft_log_writer& operator=(const raft_log_writer&) = delete;

  /// Queues what `rd` persists (snapshot, compacted, entries, hard state;
  /// its other fields are ignored). Returns its number: 1, 2, ...
  uint64_t submit(ready rd);
  /// The number of the last batch submitted (0 before the first).
  uint64_t submitted() const;
  /// How many submitted batches are durable (all up to this number).
  uint64_t durable() const;
  /// The error of the save that failed, if one did.
  std::optional<std::string> failed() const;
  /// How many save() calls (transactions, fsyncs) the thread made.
  uint64_t saves() const;

private:
  void run();
  /// Saves `batches` (folded where possible); called without the lock.
  void save(std::deque<ready> batches);
  std::shared_ptr<raft_storage> storage_;
  std::function<void()> notify_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ready> queue_;
  uint64_t submitted_ = 0, durable_ = 0, saves_ = 0;
  std::optional<std::string> error_;
  bool stop_ = false;
  bool threaded_ = true;
  std::thread thread_; // last: starts once the rest is built
};

} // namespace troupe::raft
