// raft_log_writer: saves off the caller's thread, in order, folding what
// queued up during a save into the next one (group commit), and stops at
// the first failed save.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "actors/manager/raft/raft_log_writer.hpp"

namespace troupe::raft {
namespace {

// memory_storage whose save() can be held (to let batches queue up) and
// made to fail; it counts saves.
class gated_storage : public memory_storage {
public:
  bool save(const ready& rd, std::string* error) override {
    std::unique_lock<std::mutex> lock(mu);
    ++saves;
    in_save = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    in_save = false;
    if (fail) {
      if (error)
        *error = "disk full";
      return false;
    }
    return memory_storage::save(rd, error);
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
  void wait_in_save() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_save; });
  }
  std::mutex mu;
  std::condition_variable cv;
  bool open = false, in_save = false, fail = false;
  int saves = 0;
};

ready entry_batch(uint64_t index, uint64_t term) {
  ready rd;
  pb::RaftEntry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data("e" + std::to_string(index));
  rd.entries.push_back(e);
  pb::RaftHardState hs;
  hs.set_term(term);
  hs.set_commit(index - 1);
  rd.hard_state = hs;
  rd.stable_index = index;
  rd.stable_term = term;
  return rd;
}

template <class F> bool wait_for(F done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return done();
}

TEST(raft_log_writer, batches_queued_during_a_save_share_the_next_one) {
  auto store = std::make_shared<gated_storage>();
  std::atomic<int> notified{0};
  raft_log_writer w(store, [&] { ++notified; });
  EXPECT_EQ(w.submit(entry_batch(1, 1)), 1u);
  store->wait_in_save(); // the first save is under way, held
  for (uint64_t i = 2; i <= 10; ++i)
    w.submit(entry_batch(i, 1));
  EXPECT_EQ(w.durable(), 0u);
  store->release();
  ASSERT_TRUE(wait_for([&] { return w.durable() == 10; }));
  EXPECT_EQ(store->saves, 2);  // 1, then 2..10 in one transaction
  EXPECT_EQ(w.saves(), 2u);
  EXPECT_GE(notified.load(), 1);
  EXPECT_EQ(store->last_index(), 10u);
  EXPECT_EQ(store->hard_state().commit(), 9u); // the latest hard state won
}

TEST(raft_log_writer, a_later_batch_replaces_entries_of_an_earlier_one) {
  auto store = std::make_shared<gated_storage>();
  raft_log_writer w(store, [] {});
  w.submit(entry_batch(1, 1));
  store->wait_in_save();
  w.submit(entry_batch(2, 1));
  w.submit(entry_batch(3, 1));
  w.submit(entry_batch(2, 2)); // a new leader replaced 2..3
  store->release();
  ASSERT_TRUE(wait_for([&] { return w.durable() == 4; }));
  EXPECT_EQ(store->last_index(), 2u);
  EXPECT_EQ(store->term(2), 2u);
}

TEST(raft_log_writer, a_failed_save_stops_the_writer) {
  auto store = std::make_shared<gated_storage>();
  store->fail = true;
  store->release();
  raft_log_writer w(store, [] {});
  w.submit(entry_batch(1, 1));
  ASSERT_TRUE(wait_for([&] { return w.failed().has_value(); }));
  EXPECT_EQ(*w.failed(), "disk full");
  w.submit(entry_batch(2, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(w.durable(), 0u);
  EXPECT_EQ(store->saves, 1); // nothing after the failure
}

TEST(raft_log_writer, stopping_saves_what_was_queued) {
  auto store = std::make_shared<gated_storage>();
  {
    raft_log_writer w(store, [] {});
    w.submit(entry_batch(1, 1));
    store->wait_in_save();
    w.submit(entry_batch(2, 1));
    store->release();
  } // destructor
  EXPECT_EQ(store->last_index(), 2u);
}

TEST(raft_log_writer, fold_refuses_snapshots_and_gaps) {
  ready a = entry_batch(1, 1), gap = entry_batch(3, 1);
  EXPECT_FALSE(fold_batch(a, gap));
  EXPECT_EQ(a.entries.size(), 1u);
  ready snap;
  snap.snapshot = pb::RaftSnapshot{};
  snap.snapshot->set_index(5);
  EXPECT_FALSE(fold_batch(a, snap));
  ready b = entry_batch(2, 1);
  EXPECT_TRUE(fold_batch(a, b));
  EXPECT_EQ(a.entries.size(), 2u);
  EXPECT_EQ(a.stable_index, 2u);
}

} // namespace
} // namespace troupe::raft
