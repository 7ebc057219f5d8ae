// The worker's container records: written, read back, listed and removed in
// the task folders; damaged record files are skipped without a crash.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "actors/worker/container_record.hpp"

namespace troupe {
namespace {

namespace fs = std::filesystem;

class container_record_test : public ::testing::Test {
protected:
  container_record_test() {
    char tmpl[] = "/tmp/troupe-record-XXXXXX";
    const char* made = mkdtemp(tmpl);
    dir_ = made ? made : "";
  }
  ~container_record_test() override {
    std::error_code ec;
    if (!dir_.empty())
      fs::remove_all(dir_, ec);
  }

  void put(const std::string& task_id, const std::string& text) {
    fs::create_directories(dir_ + "/" + task_id);
    std::ofstream(container_record_path(dir_, task_id)) << text;
  }

  static container_record sample(const std::string& task_id) {
    return {"process", task_id + "-2", task_id, 4321, 987654};
  }

  std::string dir_;
};

void expect_same(const container_record& a, const container_record& b) {
  EXPECT_EQ(a.driver, b.driver);
  EXPECT_EQ(a.container_id, b.container_id);
  EXPECT_EQ(a.task_id, b.task_id);
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.start_ticks, b.start_ticks);
}

TEST_F(container_record_test, written_record_reads_back_from_the_task_folder) {
  ASSERT_FALSE(dir_.empty());
  std::string err;
  auto r = sample("web.1");
  ASSERT_TRUE(write_container_record(dir_, r, &err)) << err;
  EXPECT_TRUE(fs::exists(dir_ + "/web.1/container.record"));
  auto back = read_container_record(dir_, "web.1");
  ASSERT_TRUE(back);
  expect_same(*back, r);
  EXPECT_FALSE(read_container_record(dir_, "web.2"));
}

TEST_F(container_record_test, rewriting_replaces_the_record) {
  std::string err;
  ASSERT_TRUE(write_container_record(dir_, sample("web.1"), &err)) << err;
  container_record next{"oci", "web.1-3", "web.1", 777, 0};
  ASSERT_TRUE(write_container_record(dir_, next, &err)) << err;
  auto back = read_container_record(dir_, "web.1");
  ASSERT_TRUE(back);
  expect_same(*back, next);
  EXPECT_FALSE(fs::exists(container_record_path(dir_, "web.1") + ".tmp"));
}

TEST_F(container_record_test, list_returns_every_record_sorted_by_task) {
  std::string err;
  for (const char* id : {"b.2", "a.1", "b.1"})
    ASSERT_TRUE(write_container_record(dir_, sample(id), &err)) << err;
  fs::create_directories(dir_ + "/c.1");  // a task folder without a record
  auto all = list_container_records(dir_);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].task_id, "a.1");
  EXPECT_EQ(all[1].task_id, "b.1");
  EXPECT_EQ(all[2].task_id, "b.2");
  expect_same(all[1], sample("b.1"));
}

TEST_F(container_record_test, removed_record_is_gone_and_removing_twice_is_fine) {
  std::string err;
  ASSERT_TRUE(write_container_record(dir_, sample("a.1"), &err)) << err;
  ASSERT_TRUE(write_container_record(dir_, sample("a.2"), &err)) << err;
  remove_container_record(dir_, "a.1");
  remove_container_record(dir_, "a.1");
  remove_container_record(dir_, "never.1");
  EXPECT_FALSE(read_container_record(dir_, "a.1"));
  EXPECT_TRUE(fs::exists(dir_ + "/a.1"));  // the task folder (logs) stays
  auto all = list_container_records(dir_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].task_id, "a.2");
}

TEST_F(container_record_test, missing_tasks_dir_lists_nothing) {
  EXPECT_TRUE(list_container_records(dir_ + "/nope").empty());
}

TEST_F(container_record_test, garbage_record_files_are_skipped) {
  std::string err;
  ASSERT_TRUE(write_container_record(dir_, sample("good.1"), &err)) << err;
  const std::string head = "troupe-container-record 1\n";
  struct bad { const char* task; std::string text; };
  const bad table[] = {
    {"empty.1", ""},
    {"binary.1", std::string("\0\xff\x01garbage", 10)},
    {"noheader.1", "driver=process\ncontainer=x\ntask=noheader.1\npid=1\nstart_ticks=0\n"},
    {"nopid.1", head + "driver=process\ncontainer=x\ntask=nopid.1\nstart_ticks=0\n"},
    {"badpid.1", head + "driver=process\ncontainer=x\ntask=badpid.1\npid=-5\nstart_ticks=0\n"},
    {"hugepid.1", head + "driver=process\ncontainer=x\ntask=hugepid.1\npid=99999999999\nstart_ticks=0\n"},
    {"nodriver.1", head + "container=x\ntask=nodriver.1\npid=12\nstart_ticks=0\n"},
    {"noequals.1", head + "driver=process\ncontainer=x\ntask=noequals.1\npid 12\nstart_ticks=0\n"},
    {"othertask.1", head + "driver=process\ncontainer=x\ntask=else.1\npid=12\nstart_ticks=0\n"},
    {"huge.1", head + std::string(10000, 'x')},
  };
  for (const auto& b : table)
    put(b.task, b.text);
  fs::create_directories(dir_ + "/dir.1/container.record");  // not a file
  std::ofstream(dir_ + "/stray-file") << "not a task folder";
  for (const auto& b : table)
    EXPECT_FALSE(read_container_record(dir_, b.task)) << b.task;
  auto all = list_container_records(dir_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].task_id, "good.1");
}

TEST_F(container_record_test, records_that_would_escape_their_folder_are_refused) {
  std::string err;
  for (const char* id : {"", "..", "a/b"}) {
    auto r = sample("x");
    r.task_id = id;
    EXPECT_FALSE(write_container_record(dir_, r, &err)) << id;
    EXPECT_FALSE(err.empty());
  }
  auto r = sample("x.1");
  r.container_id = "two\nlines";
  EXPECT_FALSE(write_container_record(dir_, r, &err));
  EXPECT_TRUE(list_container_records(dir_).empty());
}

TEST(process_stat, reads_start_time_and_group_of_this_process) {
  auto ticks = process_start_ticks(getpid());
  ASSERT_TRUE(ticks);
  EXPECT_EQ(process_start_ticks(getpid()), ticks);  // stable for one process
  EXPECT_EQ(process_group_of(getpid()), static_cast<int>(getpgrp()));
  EXPECT_FALSE(process_start_ticks(0));
  EXPECT_FALSE(process_start_ticks(1 << 30));
  EXPECT_FALSE(process_group_of(1 << 30));
}

} // namespace
} // namespace troupe
