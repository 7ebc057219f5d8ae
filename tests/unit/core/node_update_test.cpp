// node_update: what `troupe node drain|activate|update` commits, applied by
// cluster_state (rules in node_update.hpp and cluster_state.hpp).
#include <gtest/gtest.h>

#include "actors/manager/core/node_update.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

pb::NodeUpdate update(const std::string& name, const std::string& avail,
                      std::map<std::string, std::string> add = {},
                      std::vector<std::string> rm = {}) {
  pb::NodeUpdate u;
  u.set_name(name);
  u.set_availability(avail);
  for (auto& [k, v] : add)
    (*u.mutable_labels_add())[k] = v;
  for (auto& k : rm)
    u.add_labels_rm(k);
  return u;
}

pb::Change change_of(const pb::NodeUpdate& u) {
  pb::Change c;
  *c.mutable_node_update() = u;
  return c;
}

// Node w1 (labels zone=us, disk=ssd) registered at index 1.
cluster_state with_w1() {
  cluster_state s;
  auto w1 = node("w1");
  (*w1.mutable_labels())["zone"] = "us";
  (*w1.mutable_labels())["disk"] = "ssd";
  s.apply(entry_builder(1).put_node(w1));
  return s;
}

} // namespace

TEST(node_update, valid_updates_change_the_node_and_stamp_it) {
  using labels = std::map<std::string, std::string>;
  struct row {
    const char* what;
    pb::NodeUpdate u;
    std::string availability;
    labels expected;
  };
  std::vector<row> rows = {
      {"drain", update("w1", "drain"), "drain", {{"zone", "us"}, {"disk", "ssd"}}},
      {"add", update("w1", "", {{"rack", "r7"}}), "active",
       {{"zone", "us"}, {"disk", "ssd"}, {"rack", "r7"}}},
      {"overwrite", update("w1", "", {{"zone", "eu"}}), "active",
       {{"zone", "eu"}, {"disk", "ssd"}}},
      {"remove", update("w1", "", {}, {"disk"}), "active", {{"zone", "us"}}},
      {"all at once", update("w1", "drain", {{"zone", "eu"}, {"x", ""}}, {"disk"}),
       "drain", {{"zone", "eu"}, {"x", ""}}},
  };
  for (auto& r : rows) {
    SCOPED_TRACE(r.what);
    auto s = with_w1();
    auto touched = s.apply(entry_builder(4).change(change_of(r.u)));
    const pb::Node& n = *s.find_node("w1");
    EXPECT_EQ(n.availability(), r.availability);
    EXPECT_EQ(labels(n.labels().begin(), n.labels().end()), r.expected);
    EXPECT_EQ(n.updated_at(), 4000);
    EXPECT_EQ(n.registered_at(), 1000);
    EXPECT_EQ(n.state(), "ready") << "node_status owns ready/down";
    EXPECT_EQ(touched.nodes, std::set<std::string>{"w1"});
  }
}

TEST(node_update, invalid_or_idle_updates_change_nothing) {
  struct row { const char* what; pb::NodeUpdate u; };
  std::vector<row> rows = {
      {"unknown node", update("w9", "drain")},
      {"bad availability", update("w1", "pause")},
      {"empty label key", update("w1", "drain", {{"", "x"}})},
      {"label key with a space", update("w1", "", {{"my zone", "x"}})},
      {"removed key with a tab", update("w1", "", {}, {"a\tb"})},
      {"key added and removed", update("w1", "", {{"zone", "eu"}}, {"zone"})},
      {"nothing asked", update("w1", "")},
      {"already active", update("w1", "active")},
      {"same label value", update("w1", "", {{"zone", "us"}})},
      {"removing a missing label", update("w1", "", {}, {"rack"})},
  };
  for (auto& r : rows) {
    SCOPED_TRACE(r.what);
    auto s = with_w1();
    auto before = *s.find_node("w1");
    auto touched = s.apply(entry_builder(4).change(change_of(r.u)));
    EXPECT_TRUE(touched.empty());
    EXPECT_EQ(s.find_node("w1")->DebugString(), before.DebugString());
    EXPECT_EQ(s.index(), 4u);
  }
}

TEST(node_update, problems_are_one_sentence_naming_the_culprit) {
  EXPECT_EQ(node_update_problem(update("w1", "drain")), "");
  EXPECT_NE(node_update_problem(update("w1", "pause")).find("'pause'"),
            std::string::npos);
  EXPECT_NE(node_update_problem(update("w1", "", {{"my zone", "x"}}))
              .find("'my zone'"),
            std::string::npos);
  EXPECT_NE(node_update_problem(update("w1", "", {{"a", "1"}}, {"a"}))
              .find("both added and removed"),
            std::string::npos);
  EXPECT_NE(node_update_problem(update("", "drain")).find("no node"),
            std::string::npos);
}

TEST(node_update, drain_leaves_the_nodes_tasks_to_their_reconcilers) {
  auto s = with_w1();
  s.apply(entry_builder(2).deploy(stack_spec("app", {service_spec("app", "web", 1)})));
  s.apply(entry_builder(3).create("t1", "app_web", 1).assign("t1", "w1")
            .status("t1", pb::RUNNING, 42));
  auto touched = s.apply(entry_builder(4).change(change_of(update("w1", "drain"))));
  EXPECT_TRUE(touched.tasks.empty());
  EXPECT_EQ(s.find_task("t1")->state(), pb::RUNNING);
  EXPECT_EQ(s.find_task("t1")->desired_state(), pb::RUNNING);
}
