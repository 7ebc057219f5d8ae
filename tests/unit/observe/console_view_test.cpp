// The console's pure parts: ACTOR resolution, top sorting, the tree.
#include <gtest/gtest.h>

#include "actors/observe/core/actor_kind.hpp"
#include "actors/observe/core/console_view.hpp"

namespace troupe::observe {
namespace {

pb::ActorInfo actor(uint64_t id, uint64_t parent, const std::string& name,
                    const std::string& kind, uint64_t mailbox = 0,
                    uint32_t restarts = 0, uint64_t busy = 0) {
  pb::ActorInfo a;
  a.set_id(id);
  a.set_parent(parent);
  a.set_name(name);
  a.set_kind(kind);
  a.set_mailbox(mailbox);
  a.set_restarts(restarts);
  a.set_busy_ns(busy);
  return a;
}

std::vector<pb::ActorInfo> node_actors() {
  return {actor(6, 0, "node/n1", "node"),
          actor(8, 6, "store", "store", 3, 0, 500),
          actor(12, 6, "agent", "agent"),
          actor(13, 12, "supervisor/n1", "supervisor", 0, 0, 100),
          actor(16, 13, "task/web.1.aaaa", "task", 7, 2, 50),
          actor(17, 13, "task/web.2.bbbb", "task", 1, 0, 900),
          actor(20, 13, "task/db.1.cccc", "task", 0, 5, 10)};
}

TEST(ResolveActor, IdsExactNamesAndUniquePrefixes) {
  struct row {
    std::string query;
    std::optional<uint64_t> id;
    std::string error_part;
  };
  std::vector<row> rows = {
    {"16", 16, ""},
    {"99", std::nullopt, "no actor with id 99"},
    {"store", 8, ""},
    {"task/db", 20, ""},
    {"task/web.2", 17, ""},
    {"task/web", std::nullopt, "'task/web' matches 2 actors: task/web.1.aaaa (16), task/web.2.bbbb (17)"},
    {"task/", std::nullopt, "matches 3 actors"},
    {"nothing", std::nullopt, "no actor's name starts with 'nothing'"},
    {"", std::nullopt, "name an actor"},
  };
  auto actors = node_actors();
  for (const auto& r : rows) {
    std::string err;
    auto got = resolve_actor(actors, r.query, &err);
    EXPECT_EQ(got, r.id) << r.query;
    if (!r.id)
      EXPECT_NE(err.find(r.error_part), std::string::npos) << r.query << ": " << err;
  }
}

TEST(ResolveActor, ExactNameWinsOverLongerNames) {
  std::vector<pb::ActorInfo> actors = {actor(1, 0, "raft", "raft"),
                                       actor(2, 0, "raft-peer", "other")};
  std::string err;
  EXPECT_EQ(resolve_actor(actors, "raft", &err), 1u);
}

TEST(SortTop, EveryKeyLargestFirstTiesById) {
  auto actors = node_actors();
  std::map<uint64_t, double> rates = {{6, 1.0}, {8, 50.0}, {17, 50.0}, {20, 9.0}};
  struct row {
    top_key key;
    size_t limit;
    std::vector<uint64_t> ids;
  };
  std::vector<row> rows = {
    {top_key::mailbox, 3, {16, 8, 17}},
    {top_key::restarts, 2, {20, 16}},
    {top_key::time, 2, {17, 8}},
    {top_key::rate, 3, {8, 17, 20}},
    {top_key::mailbox, 0, {16, 8, 17, 6, 12, 13, 20}},
  };
  for (const auto& r : rows) {
    auto sorted = sort_top(actors, r.key, rates, r.limit);
    std::vector<uint64_t> ids;
    for (const auto& a : sorted)
      ids.push_back(a.id());
    EXPECT_EQ(ids, r.ids);
  }
}

TEST(SortTop, ParsesKeys) {
  EXPECT_EQ(parse_top_key("mailbox"), top_key::mailbox);
  EXPECT_EQ(parse_top_key("rate"), top_key::rate);
  EXPECT_EQ(parse_top_key("time"), top_key::time);
  EXPECT_EQ(parse_top_key("restarts"), top_key::restarts);
  EXPECT_FALSE(parse_top_key("size"));
}

TEST(MessageRates, DeltaOfTwoSnapshotsElseLifetimeAverage) {
  auto a = actor(1, 0, "a", "other");
  a.set_processed(100);
  a.set_started_ms(0);
  auto b = actor(2, 0, "b", "other");
  b.set_processed(30);
  b.set_started_ms(9000);
  auto before = a;
  before.set_processed(40);
  std::vector<pb::ActorInfo> prev = {before};
  auto rates = message_rates({a, b}, &prev, 2000, 10000);
  EXPECT_DOUBLE_EQ(rates[1], 30.0);  // (100 - 40) / 2s
  EXPECT_DOUBLE_EQ(rates[2], 30.0);  // 30 over its 1s of life
}

TEST(Tree, ChildrenUnderParentsOrphansAsRoots) {
  auto actors = node_actors();
  actors.push_back(actor(30, 999, "service/gone-parent", "service"));
  auto lines = build_tree(actors);
  std::vector<std::pair<uint64_t, int>> got;
  for (const auto& l : lines)
    got.emplace_back(l.actor->id(), l.depth);
  std::vector<std::pair<uint64_t, int>> want = {
    {6, 0}, {8, 1}, {12, 1}, {13, 2}, {16, 3}, {17, 3}, {20, 3}, {30, 0}};
  EXPECT_EQ(got, want);
}

TEST(Tree, RendersBranchesKindsStatesAndRestarts) {
  auto actors = node_actors();
  actors[4].set_summary("running, container c1, pid 42");
  auto text = render_tree(actors);
  EXPECT_NE(text.find("node/n1 [node #6]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("├── store [store #8]"), std::string::npos) << text;
  EXPECT_NE(text.find("└── agent [agent #12]"), std::string::npos) << text;
  EXPECT_NE(text.find("        ├── task/web.1.aaaa [task #16] running, container c1, "
                      "pid 42 (restarts 2)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("        └── task/db.1.cccc"), std::string::npos) << text;
}

TEST(Tree, ACycleDoesNotLoop) {
  std::vector<pb::ActorInfo> actors = {actor(1, 2, "a", "other"),
                                       actor(2, 1, "b", "other")};
  EXPECT_TRUE(build_tree(actors).empty() || build_tree(actors).size() <= 2);
}

TEST(Kinds, NamesRoundTrip) {
  for (const auto& n : kind_names())
    ASSERT_TRUE(parse_kind(n)) << n;
  EXPECT_EQ(parse_kind("lb"), actor_kind::load_balancer);
  EXPECT_EQ(std::string{to_string(actor_kind::load_balancer)}, "load-balancer");
  EXPECT_FALSE(parse_kind("toaster"));
}

TEST(Render, TraceShowsTypesSendersAndDropsNeverPayloads) {
  pb::ActorTraceRecord r;
  r.set_at_ms(5);
  r.set_type("(put, troupe::pb::Task)");
  r.set_sender(8);
  r.set_sender_name("store");
  r.set_elements(2);
  auto text = render_trace({r}, 3);
  EXPECT_NE(text.find("store (8)"), std::string::npos) << text;
  EXPECT_NE(text.find("(put, troupe::pb::Task)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 messages, 3 more over the rate limit"), std::string::npos);
}

} // namespace
} // namespace troupe::observe
