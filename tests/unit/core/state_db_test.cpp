// state_db: the checkpoint survives a reopen; a batch of entries is one
// transaction; a failed save leaves the previous checkpoint.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>

#include "actors/manager/core/state_db.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;
namespace fs = std::filesystem;

namespace {

class state_db_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path()
           / ("troupe-state-db-" + std::to_string(::getpid()) + "-"
              + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "state.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<state_db> open_db() {
    std::string error;
    auto db = state_db::open(path_, &error);
    EXPECT_NE(db, nullptr) << error;
    return db;
  }

  // Applies `e` to `state` and saves it; returns save()'s verdict.
  bool apply_and_save(state_db& db, cluster_state& state, const pb::Entry& e,
                      std::string* error) {
    auto touched = state.apply(e);
    return db.save(touched, state, error);
  }

  // Runs raw SQL on the database file through a second connection.
  void raw_sql(const std::string& sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
    char* msg = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK)
      << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(raw);
  }

  fs::path dir_;
  std::string path_;
};

bool same_state(const cluster_state& a, const cluster_state& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a.snapshot(),
                                                            b.snapshot());
}

} // namespace

TEST_F(state_db_test, reopen_and_load_gives_the_same_state) {
  cluster_state state;
  std::string error;
  {
    auto db = open_db();
    ASSERT_TRUE(apply_and_save(*db, state, entry_builder(1).deploy(stack_spec(
      "app", {service_spec("app", "web", 2), service_spec("app", "db", 1)}))
      .put_node(node("w1")), &error)) << error;
    ASSERT_TRUE(apply_and_save(*db, state, entry_builder(2).create("t1", "app_web", 1)
      .create("t2", "app_db", 1), &error)) << error;
    ASSERT_TRUE(apply_and_save(*db, state, entry_builder(3).assign("t1", "w1")
      .deploy(stack_spec("app", {service_spec("app", "web", 2)})), &error)) << error;
  }
  EXPECT_EQ(state.find_service("app_db"), nullptr);
  auto db = open_db();
  cluster_state loaded;
  ASSERT_TRUE(db->load(loaded, &error)) << error;
  EXPECT_EQ(loaded.index(), 3u);
  EXPECT_TRUE(same_state(loaded, state));
  EXPECT_EQ(loaded.find_task("t2"), nullptr);  // deleted rows stay deleted
  EXPECT_EQ(loaded.find_task("t1")->state(), pb::ASSIGNED);
}

TEST_F(state_db_test, a_batch_of_entries_is_checkpointed_from_one_view) {
  auto db = open_db();
  cluster_state state;
  std::string error;
  ASSERT_TRUE(apply_and_save(*db, state, entry_builder(1).deploy(stack_spec(
    "app", {service_spec("app", "web", 2)})).put_node(node("w1")), &error)) << error;
  // Entries 2..4 applied in memory, then written as one checkpoint: the
  // union of what they touched, as the view at index 4 holds it.
  touched_keys batch;
  auto merge = [&](const touched_keys& t) {
    batch.stacks.insert(t.stacks.begin(), t.stacks.end());
    batch.services.insert(t.services.begin(), t.services.end());
    batch.tasks.insert(t.tasks.begin(), t.tasks.end());
    batch.nodes.insert(t.nodes.begin(), t.nodes.end());
  };
  merge(state.apply(entry_builder(2).create("t1", "app_web", 1).create("t2", "app_web", 2)));
  merge(state.apply(entry_builder(3).assign("t1", "w1").shutdown("t2")));
  merge(state.apply(entry_builder(4).status("t1", pb::RUNNING, 9)));
  cluster_state before_save;
  ASSERT_TRUE(db->load(before_save, &error)) << error;
  EXPECT_EQ(before_save.index(), 1u);  // nothing of the batch yet
  const cluster_state view = state;
  state.apply(entry_builder(5).put_node(node("w2")));  // after the view
  ASSERT_TRUE(db->save(batch, view, &error)) << error;
  cluster_state loaded;
  ASSERT_TRUE(db->load(loaded, &error)) << error;
  EXPECT_EQ(loaded.index(), 4u);
  EXPECT_TRUE(same_state(loaded, view));
  EXPECT_EQ(loaded.find_task("t1")->state(), pb::RUNNING);
  EXPECT_EQ(loaded.find_task("t2")->state(), pb::SHUTDOWN);
  EXPECT_EQ(loaded.find_node("w2"), nullptr);
  EXPECT_EQ(loaded.tasks_of("app_web").size(), 2u);  // indexes rebuilt on load
  EXPECT_EQ(loaded.tasks_on("w1").size(), 1u);
}

TEST_F(state_db_test, a_failure_mid_transaction_leaves_nothing) {
  auto db = open_db();
  cluster_state state;
  std::string error;
  ASSERT_TRUE(apply_and_save(*db, state, entry_builder(1).deploy(stack_spec(
    "app", {service_spec("app", "web", 1)})), &error)) << error;
  // The service row is written before the task row, which the trigger
  // refuses.
  raw_sql("CREATE TRIGGER no_tasks BEFORE INSERT ON tasks "
          "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;");
  auto e = entry_builder(2).scale("app_web", 3).create("t1", "app_web", 1);
  auto touched = state.apply(e);
  EXPECT_FALSE(db->save(touched, state, &error));
  EXPECT_NE(error.find("disk on fire"), std::string::npos) << error;
  cluster_state loaded;
  ASSERT_TRUE(db->load(loaded, &error)) << error;
  EXPECT_EQ(loaded.index(), 1u);
  EXPECT_EQ(loaded.find_service("app_web")->spec().replicas(), 1u);
  // The database still works once the fault is gone.
  raw_sql("DROP TRIGGER no_tasks;");
  EXPECT_TRUE(db->save(touched, state, &error)) << error;
  ASSERT_TRUE(db->load(loaded, &error)) << error;
  EXPECT_NE(loaded.find_task("t1"), nullptr);
}

TEST_F(state_db_test, a_corrupt_blob_is_named_in_the_error) {
  {
    auto db = open_db();
    cluster_state state;
    std::string error;
    ASSERT_TRUE(apply_and_save(*db, state, entry_builder(1).put_node(node("w1")),
                               &error)) << error;
  }
  raw_sql("UPDATE nodes SET data = x'ffffffff' WHERE key = 'w1';");
  auto db = open_db();
  cluster_state loaded;
  std::string error;
  EXPECT_FALSE(db->load(loaded, &error));
  EXPECT_NE(error.find("node"), std::string::npos) << error;
  EXPECT_NE(error.find("'w1'"), std::string::npos) << error;
}

TEST_F(state_db_test, opening_in_a_missing_directory_is_a_clear_error) {
  std::string error;
  auto db = state_db::open((dir_ / "missing" / "state.db").string(), &error);
  EXPECT_EQ(db, nullptr);
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

TEST_F(state_db_test, an_empty_database_loads_an_empty_state) {
  auto db = open_db();
  cluster_state loaded;
  std::string error;
  ASSERT_TRUE(db->load(loaded, &error)) << error;
  EXPECT_EQ(loaded.index(), 0u);
  EXPECT_TRUE(loaded.nodes().empty());
}
