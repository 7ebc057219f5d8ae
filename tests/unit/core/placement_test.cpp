// place(): filters, ranking, host ports and the reasons a task fits nowhere.
#include <gtest/gtest.h>

#include <deque>

#include "actors/manager/core/placement.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

constexpr int64_t MiB = 1024 * 1024;

class placement_test : public ::testing::Test {
protected:
  pb::Node& add_node(pb::Node n) { return nodes_.emplace_back(std::move(n)); }

  pb::Task& pending(const std::string& svc = "app_web") {
    pb::Task& t = tasks_.emplace_back();
    t.set_id(svc + "." + std::to_string(tasks_.size()));
    t.set_service(svc);
    *t.mutable_spec() = service_spec("app", svc.substr(4), 1);
    t.set_state(pb::PENDING);
    t.set_desired_state(pb::RUNNING);
    in_.pending.push_back(&t);
    return t;
  }

  pb::Task& running_on(const std::string& node, const std::string& svc = "app_web") {
    pb::Task& t = tasks_.emplace_back();
    t.set_id("live." + std::to_string(tasks_.size()));
    t.set_service(svc);
    *t.mutable_spec() = service_spec("app", svc.substr(4), 1);
    t.set_node(node);
    t.set_state(pb::RUNNING);
    t.set_desired_state(pb::RUNNING);
    in_.live_tasks.push_back(&t);
    return t;
  }

  std::vector<pb::TaskAssignment> run() {
    in_.nodes.clear();
    for (auto& n : nodes_)
      in_.nodes.push_back(&n);
    return place(in_);
  }

  std::deque<pb::Node> nodes_;   // stable addresses
  std::deque<pb::Task> tasks_;
  placement_input in_;
};

} // namespace

TEST_F(placement_test, spreads_tasks_of_a_service_across_nodes) {
  add_node(node("w1"));
  add_node(node("w2"));
  add_node(node("w3"));
  running_on("w1");
  running_on("w2", "app_db");
  for (int i = 0; i < 4; ++i)
    pending();
  auto out = run();
  ASSERT_EQ(out.size(), 4u);
  // w2 and w3 have no web task; w3 has fewer tasks overall.
  EXPECT_EQ(out[0].node(), "w3");
  EXPECT_EQ(out[1].node(), "w2");
  EXPECT_EQ(out[2].node(), "w1");
  EXPECT_EQ(out[3].node(), "w3");
  EXPECT_EQ(out[0].message(), "assigned to node w3");
  EXPECT_EQ(out[0].task_id(), in_.pending[0]->id());
}

TEST_F(placement_test, exhausted_memory_is_named_in_the_message) {
  add_node(node("w1", 0, 1024 * MiB));
  add_node(node("w2", 0, 256 * MiB));
  running_on("w1").mutable_spec()->mutable_resources()->set_memory_bytes(768 * MiB);
  pending().mutable_spec()->mutable_resources()->set_memory_bytes(256 * MiB);
  pending().mutable_spec()->mutable_resources()->set_memory_bytes(512 * MiB);
  auto out = run();
  EXPECT_EQ(out[0].node(), "w2");  // both fit; w2 runs no web task yet
  EXPECT_EQ(out[1].node(), "");
  EXPECT_EQ(out[1].message(),
            "no suitable node (2 nodes): 1 lacks memory (needs 512MiB, 256MiB "
            "free); 1 lacks memory (needs 512MiB, 0B free)");
}

TEST_F(placement_test, cpus_are_reserved_and_zero_offered_means_unlimited) {
  add_node(node("big", 0, 0));
  add_node(node("small", 1, 0));
  std::vector<pb::Task*> tasks;
  for (int i = 0; i < 3; ++i) {
    tasks.push_back(&pending());
    tasks.back()->mutable_spec()->mutable_resources()->set_cpus(0.5);
  }
  tasks[0]->set_node("small");  // preset: only that node is considered
  auto out = run();
  EXPECT_EQ(out[0].node(), "small");
  EXPECT_EQ(out[1].node(), "big");
  EXPECT_EQ(out[2].node(), "big");
  add_node(node("tiny", 0.25, 0));
  in_.pending = {tasks[1]};
  tasks[1]->set_node("tiny");
  out = run();
  EXPECT_EQ(out[0].message(),
            "no suitable node (1 node): 1 lacks cpus (needs 0.5, 0.25 free)");
}

TEST_F(placement_test, filters_give_reasons_in_plain_words) {
  add_node(node("w1")).set_availability("drain");
  add_node(node("w2")).set_state("down");
  add_node(node("w3")).set_drivers("oci");
  auto& eu = add_node(node("w4"));
  (*eu.mutable_labels())["zone"] = "us";
  add_node(node("w5")).set_state("down");
  pending().mutable_spec()->add_constraints("node.labels.zone == eu");
  auto out = run();
  EXPECT_EQ(out[0].node(), "");
  EXPECT_EQ(out[0].message(),
            "no suitable node (5 nodes): 1 is drained; 2 are not ready; "
            "1 does not run the process driver; 1 does not meet "
            "node.labels.zone == eu");
}

TEST_F(placement_test, constraints_pick_matching_nodes) {
  add_node(node("w1"));
  (*add_node(node("w2")).mutable_labels())["zone"] = "eu";
  add_node(node("w3")).set_role("manager");
  auto& t = pending();
  t.mutable_spec()->add_constraints("node.labels.zone == eu");
  pending().mutable_spec()->add_constraints("node.role != worker");
  auto out = run();
  EXPECT_EQ(out[0].node(), "w2");
  EXPECT_EQ(out[1].node(), "w3");
}

TEST_F(placement_test, an_invalid_constraint_places_nothing) {
  add_node(node("w1"));
  pending().mutable_spec()->add_constraints("zone ~ eu");
  auto out = run();
  EXPECT_EQ(out[0].node(), "");
  EXPECT_NE(out[0].message().find("cannot be placed"), std::string::npos)
    << out[0].message();
}

TEST_F(placement_test, host_ports_are_lowest_free_and_never_shared) {
  add_node(node("w1"));  // 30000..30009
  auto& live = running_on("w1");
  (*live.mutable_host_ports())["http"] = 30000;
  (*live.mutable_host_ports())["admin"] = 30002;
  for (int i = 0; i < 2; ++i) {
    auto* spec = pending().mutable_spec();
    spec->add_ports()->set_name("http");
    spec->add_ports()->set_name("metrics");
  }
  auto out = run();
  ASSERT_EQ(out[0].node(), "w1");
  ASSERT_EQ(out[1].node(), "w1");
  EXPECT_EQ(out[0].host_ports().at("http"), 30001u);
  EXPECT_EQ(out[0].host_ports().at("metrics"), 30003u);
  EXPECT_EQ(out[1].host_ports().at("http"), 30004u);
  EXPECT_EQ(out[1].host_ports().at("metrics"), 30005u);
}

TEST_F(placement_test, a_full_port_range_is_a_reason) {
  auto& n = add_node(node("w1"));
  n.set_port_min(40000);
  n.set_port_max(40001);
  for (int i = 0; i < 2; ++i)
    pending().mutable_spec()->add_ports()->set_name("http");
  pending().mutable_spec()->add_ports()->set_name("http");
  auto out = run();
  EXPECT_EQ(out[0].host_ports().at("http"), 40000u);
  EXPECT_EQ(out[1].host_ports().at("http"), 40001u);
  EXPECT_EQ(out[2].node(), "");
  EXPECT_EQ(out[2].message(),
            "no suitable node (1 node): 1 lacks free host ports (needs 1)");
}

TEST_F(placement_test, global_task_only_goes_to_its_preset_node) {
  add_node(node("w1"));
  add_node(node("w2")).set_availability("drain");
  pending().set_node("w2");
  pending().set_node("w9");
  auto out = run();
  EXPECT_EQ(out[0].node(), "");
  EXPECT_EQ(out[0].message(), "no suitable node (1 node): 1 is drained");
  EXPECT_EQ(out[1].message(), "no suitable node: node w9 is not known");
}

TEST_F(placement_test, no_nodes_at_all) {
  pending();
  auto out = run();
  EXPECT_EQ(out[0].message(), "no suitable node: the cluster has no nodes");
}

// An oci task goes only to a node that holds its image ("NAME" and
// "NAME:latest" are one image); a rootfs task needs none.
TEST_F(placement_test, an_oci_task_goes_only_to_a_node_holding_its_image) {
  add_node(node("w1")).set_drivers("process,oci");
  auto& w2 = add_node(node("w2"));
  w2.set_drivers("process,oci");
  w2.add_images("busybox");
  auto& t = pending();
  t.mutable_spec()->set_driver("oci");
  t.mutable_spec()->set_image("busybox:latest");
  auto& r = pending();
  r.mutable_spec()->set_driver("oci");
  r.mutable_spec()->set_rootfs("/srv/rootfs");
  running_on("w1");  // so the rootfs task would rather go to w1 if it could
  running_on("w2");
  running_on("w2");
  auto out = run();
  EXPECT_EQ(out[0].node(), "w2") << out[0].message();
  EXPECT_EQ(out[1].node(), "w1") << out[1].message();
}

TEST_F(placement_test, no_node_holding_the_image_is_said_in_plain_words) {
  for (const char* name : {"w1", "w2"}) {
    auto& n = add_node(node(name));
    n.set_drivers("process,oci");
    n.add_images("busybox");
  }
  auto& t = pending();
  t.mutable_spec()->set_driver("oci");
  t.mutable_spec()->set_image("busybox:1.36");
  auto out = run();
  EXPECT_EQ(out[0].node(), "");
  EXPECT_EQ(out[0].message(),
            "no node holds image busybox:1.36 (2 nodes checked; build or load it "
            "into each node's images_dir)");
  // with other reasons too, the image is one reason among them
  nodes_[0].set_availability("drain");
  out = run();
  EXPECT_EQ(out[0].message(),
            "no suitable node (2 nodes): 1 is drained; 1 does not hold image busybox:1.36");
}

namespace {

/// A local volume "data" of stack app mounted at /data (pinned unless said).
pb::Mount data_mount(bool pinned = true) {
  pb::Mount m;
  m.set_volume("data");
  m.set_target("/data");
  m.mutable_spec()->set_name("data");
  m.mutable_spec()->set_driver("local");
  m.mutable_spec()->set_unpinned(!pinned);
  return m;
}

pb::Volume volume_on(const std::string& node) {
  pb::Volume v;
  v.set_name("app_data");
  v.set_stack("app");
  v.set_node(node);
  return v;
}

} // namespace

// Issue 14: a task goes where its local volume lives, waits for that node
// while it cannot take it (pinned), or only prefers it (pin = false).
TEST_F(placement_test, a_task_goes_to_the_node_that_holds_its_volume) {
  add_node(node("w1"));
  add_node(node("w2"));
  persistent_map<pb::Volume> volumes;
  volumes.set("app_data", volume_on("w2"));
  in_.volumes = &volumes;
  auto& task = pending();
  task.set_slot(1);  // a replicated task (slot 0 is a global one's)
  *task.mutable_spec()->add_mounts() = data_mount();
  auto out = run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].node(), "w2");
  EXPECT_EQ(out[0].message(), "assigned to node w2, which holds its volume app_data");

  nodes_[1].set_state("down");
  out = run();
  EXPECT_EQ(out[0].node(), "") << "a pinned volume's task waits for its node";
  EXPECT_EQ(out[0].message().rfind("waiting for node w2, which holds its volume app_data: it ", 0),
            0u) << out[0].message();

  tasks_[0].mutable_spec()->mutable_mounts(0)->mutable_spec()->set_unpinned(true);
  out = run();
  EXPECT_EQ(out[0].node(), "w1") << "pin = false: the node is only preferred";
}

TEST_F(placement_test, a_volume_first_placed_in_a_round_draws_the_later_tasks) {
  add_node(node("w1"));
  add_node(node("w2"));
  persistent_map<pb::Volume> volumes;
  in_.volumes = &volumes;
  for (uint32_t slot : {1, 2}) {
    auto& task = pending();
    task.set_slot(slot);
    *task.mutable_spec()->add_mounts() = data_mount();
  }
  auto out = run();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].node().empty());
  EXPECT_EQ(out[1].node(), out[0].node()) << "the shared volume beats the spread";
}
