// Task folders: a node keeps the folders of at most task_history_limit ended
// tasks per slot (the oldest go first, a task that runs again is not
// history), and `system prune` removes only folders of tasks that are not
// live, hold no container record and were written before the cut-off.
#include <fstream>
#include <filesystem>

#include <gtest/gtest.h>

#include "actors/worker/core/task_folders.hpp"
#include "actors/worker/disk_job.hpp"
#include "tests/unit/runtime/test_util.hpp"

namespace troupe {
namespace {

TEST(task_folders, the_slot_of_a_task_is_its_id_without_the_last_suffix) {
  EXPECT_EQ(slot_of("shop_web.3.k2x"), "shop_web.3");
  EXPECT_EQ(slot_of("agent.node-1.a1"), "agent.node-1");
  EXPECT_EQ(slot_of("plain"), "plain");
}

TEST(task_folders, a_slot_keeps_its_newest_ended_folders_and_drops_the_oldest) {
  task_folder_history h{3};
  EXPECT_TRUE(h.ended("web.1.a").empty());
  EXPECT_TRUE(h.ended("web.1.b").empty());
  EXPECT_TRUE(h.ended("web.2.a").empty());  // another slot counts apart
  EXPECT_TRUE(h.ended("web.1.c").empty());
  EXPECT_EQ(h.ended("web.1.d"), std::vector<std::string>{"web.1.a"});
  EXPECT_EQ(h.ended("web.1.e"), std::vector<std::string>{"web.1.b"});
  EXPECT_TRUE(h.ended("web.1.e").empty()) << "an id ends once";
  EXPECT_EQ(h.size(), 4u);  // web.1.c, d, e and web.2.a
}

TEST(task_folders, a_task_that_runs_again_is_not_history) {
  task_folder_history h{2};
  h.ended("db.1.a");
  h.ended("db.1.b");
  h.running("db.1.a");  // an agent restart found its folder; assigned again
  EXPECT_TRUE(h.ended("db.1.c").empty()) << "db.1.a no longer counts";
  EXPECT_EQ(h.ended("db.1.d"), std::vector<std::string>{"db.1.b"});
  h.running("db.1.unknown");  // nothing to forget: no change
  EXPECT_EQ(h.size(), 2u);
}

TEST(task_folders, a_limit_below_one_keeps_one) {
  task_folder_history h{0};
  EXPECT_TRUE(h.ended("a.1.x").empty());
  EXPECT_EQ(h.ended("a.1.y"), std::vector<std::string>{"a.1.x"});
}

TEST(task_folders, prune_takes_what_is_not_live_recorded_or_recent) {
  std::vector<task_folder> folders(4);
  folders[0].name = "gone.1.a";   folders[0].modified_ms = 100;
  folders[1].name = "live.1.a";   folders[1].modified_ms = 100;
  folders[2].name = "record.1.a"; folders[2].modified_ms = 100;
  folders[2].has_container = true;
  folders[3].name = "recent.1.a"; folders[3].modified_ms = 900;
  auto got = prunable_folders(folders, [](const std::string& n) { return n == "live.1.a"; },
                              500);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->name, "gone.1.a");
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(disk_job, df_counts_and_prune_removes_only_folders_not_live) {
  namespace fs = std::filesystem;
  test::temp_dir dir;
  auto tasks = dir / "tasks";
  for (const char* id : {"old.1.a", "old.1.b", "live.1.a", "running.1.a"}) {
    fs::create_directories(tasks + "/" + id);
    write(tasks + "/" + id + "/stdout.log", "0123456789");  // 10 bytes
    write(tasks + "/" + id + "/exit", "0\n");               // 2 bytes
  }
  write(tasks + "/running.1.a/container.record", "{}");  // 2 bytes
  auto images = dir / "images";
  fs::create_directories(images + "/blobs");
  write(images + "/blobs/layer", std::string(1000, 'x'));

  disk_job_input in;
  in.node = "n1";
  in.tasks_dir = tasks;
  in.images_dir = images;
  in.live = {"live.1.a"};
  in.started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count() + 1000;

  auto df = measure_disk(in, pb::DiskRequest{});
  EXPECT_EQ(df.node(), "n1");
  EXPECT_EQ(df.task_folders(), 4u);
  EXPECT_EQ(df.task_bytes(), 4u * 12 + 2);
  EXPECT_EQ(df.log_bytes(), 40u);
  EXPECT_EQ(df.live_folders(), 2u);
  EXPECT_EQ(df.prunable_folders(), 2u);
  EXPECT_EQ(df.prunable_bytes(), 24u);
  EXPECT_EQ(df.image_bytes(), 1000u);
  EXPECT_EQ(df.removed_folders(), 0u);
  EXPECT_TRUE(fs::exists(tasks + "/old.1.a")) << "df removes nothing";

  pb::DiskRequest prune;
  prune.set_prune(true);
  auto pr = measure_disk(in, prune);
  EXPECT_EQ(pr.removed_folders(), 2u);
  EXPECT_EQ(pr.freed_bytes(), 24u);
  EXPECT_FALSE(fs::exists(tasks + "/old.1.a"));
  EXPECT_FALSE(fs::exists(tasks + "/old.1.b"));
  EXPECT_TRUE(fs::exists(tasks + "/live.1.a/stdout.log"));
  EXPECT_TRUE(fs::exists(tasks + "/running.1.a/container.record"));
}

TEST(disk_job, a_folder_written_after_the_request_arrived_stays) {
  namespace fs = std::filesystem;
  test::temp_dir dir;
  auto tasks = dir / "tasks";
  fs::create_directories(tasks + "/new.1.a");
  disk_job_input in;
  in.tasks_dir = tasks;
  in.started_ms = 1000;  // long before the folder was made
  pb::DiskRequest prune;
  prune.set_prune(true);
  auto pr = measure_disk(in, prune);
  EXPECT_EQ(pr.removed_folders(), 0u);
  EXPECT_TRUE(fs::exists(tasks + "/new.1.a"));
}

} // namespace
} // namespace troupe
