// The probe and the registry on CAF's test coordinator: counts, mailbox,
// parent, summaries, links, traces, kills; and probes without a registry.
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <caf/typed_actor.hpp>
#include <gtest/gtest.h>

#include "actors/observe/probe.hpp"

namespace troupe::observe {
namespace {

using counter_actor
  = caf::typed_actor<caf::reacts_to<int32_t>, caf::reacts_to<std::string>>;

struct counter_state {
  static inline const char* name = "counter";
  int32_t sum = 0;
  std::vector<caf::actor> children;  // kept alive by their parent
};

counter_actor::behavior_type
counter(probed_pointer<counter_actor, counter_state> self, std::string name) {
  if (!name.empty())
    describe(self, actor_kind::task, name);
  return {
    [=](int32_t x) {
      self->state.sum += x;
      set_summary(self, "sum " + std::to_string(self->state.sum));
    },
    [=](const std::string& child_name) {
      auto child = self->spawn(counter, child_name);
      self->link_to(child);
      note_link(self, child);
      self->state.children.push_back(caf::actor_cast<caf::actor>(child));
    },
  };
}

template <class Config>
Config& testing_policy(Config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

class probe_test : public ::testing::Test {
protected:
  probe_test()
    : sys(testing_policy(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      reg(*cfg.introspection) {}

  ~probe_test() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  counter_actor spawn_counter(const std::string& name = "") {
    auto a = sys.spawn(counter, name);
    spawned.push_back(a);
    sched.run();
    return a;
  }

  pb::ActorInfo info(uint64_t id) {
    auto i = reg.inspect(id, sys);
    EXPECT_TRUE(i) << "no entry for " << id;
    return i ? *i : pb::ActorInfo{};
  }

  observed_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  registry& reg;
  std::vector<counter_actor> spawned;
};

TEST_F(probe_test, CountsMessagesMailboxAndSummary) {
  auto c = spawn_counter();
  for (int32_t i = 1; i <= 5; ++i)
    caf::anon_send(c, i);
  EXPECT_EQ(info(c.id()).mailbox(), 5u);
  EXPECT_EQ(info(c.id()).processed(), 0u);
  sched.run();
  auto a = info(c.id());
  EXPECT_EQ(a.processed(), 5u);
  EXPECT_EQ(a.mailbox(), 0u);
  EXPECT_EQ(a.name(), "counter");
  EXPECT_EQ(a.summary(), "sum 15");
  EXPECT_EQ(a.parent(), 0u);
  ASSERT_EQ(a.recent_messages_size(), 5);
  EXPECT_NE(a.recent_messages(4).find("@i32"), std::string::npos)
    << a.recent_messages(4);
}

TEST_F(probe_test, ChildKnowsItsParentAndParentItsLink) {
  auto c = spawn_counter();
  caf::anon_send(c, std::string{"task/child"});
  sched.run();
  auto all = reg.snapshot(sys);
  for (const auto& f : reg.recently_failed())
    ADD_FAILURE() << f.name() << ": " << f.last_error();
  ASSERT_EQ(all.size(), 2u);
  const auto& child = all[0].id() == c.id() ? all[1] : all[0];
  EXPECT_EQ(child.parent(), c.id());
  EXPECT_EQ(child.name(), "task/child");
  EXPECT_EQ(child.kind(), "task");
  auto parent = info(c.id());
  ASSERT_EQ(parent.links_size(), 1);
  EXPECT_EQ(parent.links(0), child.id());
}

TEST_F(probe_test, KillEndsTheActorWithItsReason) {
  auto c = spawn_counter("task/victim");
  EXPECT_EQ(reg.kill(c.id(), "killed from the console"), "");
  sched.run();
  EXPECT_FALSE(reg.find(c.id()));
  auto failed = reg.recently_failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].name(), "task/victim");
  EXPECT_NE(failed[0].last_error().find("killed from the console"),
            std::string::npos)
    << failed[0].last_error();
  EXPECT_NE(reg.kill(c.id(), "again"), "");
}

TEST_F(probe_test, KillRefusesTheNodesCoreActors) {
  for (auto kind : {actor_kind::raft, actor_kind::store, actor_kind::node, actor_kind::api,
                    actor_kind::gateway, actor_kind::dispatcher, actor_kind::scheduler,
                    actor_kind::agent, actor_kind::events, actor_kind::other}) {
    auto c = spawn_counter();
    {
      auto e = reg.find(c.id());
      ASSERT_TRUE(e);
      std::lock_guard<std::mutex> guard{e->mtx};
      e->kind = kind;
      e->name = to_string(kind);
    }
    auto why = reg.kill(c.id(), "killed from the console");
    EXPECT_NE(why.find("is one of the node's core actors and cannot be killed"),
              std::string::npos) << to_string(kind) << ": " << why;
    sched.run();
    EXPECT_TRUE(reg.find(c.id())) << to_string(kind) << " was killed";
  }
  EXPECT_FALSE(killable(actor_kind::load_balancer, "mesh"));
  EXPECT_TRUE(killable(actor_kind::load_balancer, "lb web:8080"));
  EXPECT_TRUE(killable(actor_kind::supervisor, "supervisor"));
  EXPECT_TRUE(killable(actor_kind::service, "service/x"));
}

TEST_F(probe_test, TraceRecordsTypesAndSendersWithinItsRateLimit) {
  auto c = spawn_counter();
  auto sender = spawn_counter("sender");
  ASSERT_TRUE(reg.start_trace(c.id(), std::chrono::seconds(10), 3));
  for (int32_t i = 0; i < 5; ++i)
    caf::anon_send(c, i);
  sched.run();
  uint64_t dropped = 0;
  auto records = reg.stop_trace(c.id(), &dropped);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(dropped, 2u);
  EXPECT_NE(records[0].type().find("@i32"), std::string::npos);
  EXPECT_EQ(records[0].elements(), 1u);
  EXPECT_FALSE(reg.start_trace(999999, std::chrono::seconds(1), 1));
  (void)sender;
}

TEST_F(probe_test, EndedActorsLeaveTheRegistry) {
  auto c = spawn_counter();
  EXPECT_EQ(reg.size(), 1u);
  caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  sched.run();
  EXPECT_EQ(reg.size(), 0u);
  EXPECT_TRUE(reg.recently_failed().empty());
}

TEST(probe_without_registry, ProbesAreNoOps) {
  caf::actor_system_config cfg;
  caf::actor_system sys{testing_policy(cfg)};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  auto c = sys.spawn(counter, std::string{"x"});
  caf::anon_send(c, int32_t{1});
  sched.run();
  EXPECT_EQ(registry_of(sys), nullptr);
  caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  sched.run();
}

} // namespace
} // namespace troupe::observe
