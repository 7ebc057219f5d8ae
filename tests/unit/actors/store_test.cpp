// The store actor: proposals become numbered entries, reach listeners in
// order, show in views, survive a restart on the same database, and survive
// a crash between the Raft log's fsync and the state checkpoint.
#include <memory>

#include "actors/manager/core/state_db.hpp"
#include "actors/manager/store.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

namespace troupe::test {
namespace {

pb::Entry deploy_entry(const pb::ServiceSpec& svc) {
  pb::Entry e;
  auto stack = e.add_changes()->mutable_deploy_stack();
  stack->set_name(svc.stack());
  *stack->add_services() = svc;
  return e;
}

pb::Entry put_node_entry(const pb::Node& node) {
  pb::Entry e;
  *e.add_changes()->mutable_put_node() = node;
  return e;
}

class store_test : public actor_fixture {
protected:
  store_actor start_store() {
    std::string err;
    std::shared_ptr<state_db> db = state_db::open(db_path(), &err);
    EXPECT_TRUE(db != nullptr) << err;
    return spawn_store(db, dir_.path());
  }

  std::string db_path() const { return dir_.path() + "/state.db"; }

  temp_dir dir_;
};

TEST_F(store_test, proposals_get_consecutive_indexes) {
  auto st = start_store();
  // Index 1 is the raft leader's own no-op entry.
  auto first = propose(st, deploy_entry(service_spec("demo", "web", 2)));
  EXPECT_EQ(first, 2u);
  EXPECT_EQ(propose(st, put_node_entry(node_record("n1"))), first + 1);
  EXPECT_EQ(propose(st, put_node_entry(node_record("n2"))), first + 2);
  EXPECT_EQ(snapshot_of(st).index(), first + 2);
}

TEST_F(store_test, listeners_get_every_entry_in_order) {
  auto st = start_store();
  auto first = std::make_shared<std::vector<pb::Entry>>();
  auto second = std::make_shared<std::vector<pb::Entry>>();
  self->send(st, atom::subscribe_v, spawn(test_listener, first));
  self->send(st, atom::subscribe_v, spawn(test_listener, second));
  run();
  propose(st, deploy_entry(service_spec("demo", "web", 2)));
  propose(st, put_node_entry(node_record("n1")));
  for (const auto& log : {first, second}) {
    ASSERT_EQ(log->size(), 2u);
    ASSERT_EQ((*log)[0].changes_size(), 1);
    EXPECT_EQ((*log)[0].changes(0).deploy_stack().name(), "demo");
    EXPECT_EQ((*log)[1].index(), (*log)[0].index() + 1);
    EXPECT_EQ((*log)[1].changes(0).put_node().name(), "n1");
    EXPECT_GT((*log)[1].timestamp(), 0) << "the leader stamps entries";
  }
}

TEST_F(store_test, a_listener_that_dies_is_dropped) {
  auto st = start_store();
  auto gone = std::make_shared<std::vector<pb::Entry>>();
  auto stays = std::make_shared<std::vector<pb::Entry>>();
  auto doomed = spawn(test_listener, gone);
  self->send(st, atom::subscribe_v, doomed);
  self->send(st, atom::subscribe_v, spawn(test_listener, stays));
  run();
  caf::anon_send_exit(doomed, caf::exit_reason::kill);
  run();
  EXPECT_GT(propose(st, put_node_entry(node_record("n1"))), 0u);
  EXPECT_TRUE(gone->empty());
  EXPECT_EQ(stays->size(), 1u);
}

TEST_F(store_test, snapshot_reflects_the_applied_entries) {
  auto st = start_store();
  propose(st, deploy_entry(service_spec("demo", "web", 2)));
  propose(st, put_node_entry(node_record("n1", 2, 1 << 30)));
  auto snap = snapshot_of(st);
  ASSERT_EQ(snap.stacks_size(), 1);
  EXPECT_EQ(snap.stacks(0).name(), "demo");
  ASSERT_EQ(snap.services_size(), 1);
  EXPECT_EQ(snap.services(0).spec().name(), "demo_web");
  EXPECT_EQ(snap.services(0).spec().replicas(), 2u);
  ASSERT_EQ(snap.nodes_size(), 1);
  EXPECT_EQ(snap.nodes(0).name(), "n1");
  EXPECT_EQ(snap.nodes(0).state(), "ready");
}

TEST_F(store_test, a_new_store_on_the_same_database_sees_the_state) {
  auto first = start_store();
  propose(first, deploy_entry(service_spec("demo", "web", 3)));
  auto last = propose(first, put_node_entry(node_record("n1")));
  caf::anon_send_exit(first, caf::exit_reason::kill);
  run();
  auto second = start_store();
  auto snap = snapshot_of(second);
  EXPECT_GE(snap.index(), last); // + the new leader's no-op
  ASSERT_EQ(snap.services_size(), 1);
  EXPECT_EQ(snap.services(0).spec().replicas(), 3u);
  ASSERT_EQ(snap.nodes_size(), 1);
  // Numbering goes on where the first store stopped.
  EXPECT_GT(propose(second, put_node_entry(node_record("n2"))), snap.index());
}

uint64_t checkpoint_index(const std::string& path) {
  std::string err;
  auto db = state_db::open(path, &err);
  EXPECT_TRUE(db != nullptr) << err;
  uint64_t index = 0;
  EXPECT_TRUE(db && db->applied_index(&index, &err)) << err;
  return index;
}

TEST_F(store_test, the_checkpoint_is_one_batch_written_after_the_interval) {
  auto st = start_store();
  uint64_t last = 0;
  for (int i = 0; i < 3; ++i)
    last = propose(st, put_node_entry(node_record("n" + std::to_string(i))));
  // Acknowledged (in the Raft log, applied in memory), not yet checkpointed.
  EXPECT_LT(checkpoint_index(db_path()), last);
  advance(std::chrono::milliseconds(150));
  EXPECT_EQ(checkpoint_index(db_path()), last);
}

TEST_F(store_test, acknowledged_writes_survive_a_crash_before_the_checkpoint) {
  auto first = start_store();
  std::vector<std::string> acked;
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    acked.push_back("n" + std::to_string(i));
    last = propose(first, put_node_entry(node_record(acked.back())));
  }
  ASSERT_LT(checkpoint_index(db_path()), last) << "the crash must come first";
  // The crash: the store dies with its checkpoint unwritten; only the
  // Raft log (fsynced before each write was acknowledged) has the writes.
  caf::anon_send_exit(first, caf::exit_reason::kill);
  run();
  auto second = start_store();  // the checkpoint, then Raft replays the rest
  auto view = ask<state_view>(second, atom::snapshot_v);
  EXPECT_GE(view.index(), last);
  for (const auto& name : acked)
    EXPECT_NE(view.find_node(name), nullptr) << name << " was acknowledged";
}

TEST_F(store_test, a_reader_keeps_its_view_while_entries_apply) {
  auto st = start_store();
  propose(st, put_node_entry(node_record("n1")));
  auto old = ask<state_view>(st, atom::snapshot_v);
  propose(st, put_node_entry(node_record("n2")));
  auto now = ask<state_view>(st, atom::snapshot_v);
  EXPECT_EQ(old.find_node("n2"), nullptr);
  EXPECT_NE(now.find_node("n2"), nullptr);
  EXPECT_EQ(now.index(), old.index() + 1);
  // The unchanged node is the same object in both views: shared, not copied.
  EXPECT_EQ(old.find_node("n1"), now.find_node("n1"));
}

} // namespace
} // namespace troupe::test
