// The per-service route book: an entry recomputes only the services it
// touched, and the deltas it hands out add up to the whole table.
#include "actors/network/core/route_book.hpp"

#include <gtest/gtest.h>

#include "actors/network/core/route_table.hpp"

namespace troupe::network {
namespace {

constexpr int services = 200;

std::string svc_name(int i) { return "demo_s" + std::to_string(i); }

pb::Entry running(uint64_t index, const std::string& task_id, int32_t pid,
                  const std::string& health = "") {
  pb::Entry e;
  e.set_index(index);
  auto* s = e.add_changes()->mutable_task_status();
  s->set_task_id(task_id);
  s->set_state(pb::RUNNING);
  s->set_pid(pid);
  s->set_health(health);
  return e;
}

/// `services` services with a published port each and two running tasks.
cluster_state many_services() {
  pb::ClusterSnapshot snap;
  snap.set_index(50);
  auto* n = snap.add_nodes();
  n->set_name("n1");
  n->set_state("ready");
  n->set_address("10.0.0.1");
  for (int i = 0; i < services; ++i) {
    auto* svc = snap.add_services();
    svc->mutable_spec()->set_name(svc_name(i));
    svc->mutable_spec()->set_stack("demo");
    auto* port = svc->mutable_spec()->add_ports();
    port->set_name("http");
    port->set_target(80);
    port->set_published(static_cast<uint32_t>(8000 + i));
    for (int slot = 1; slot <= 2; ++slot) {
      auto* t = snap.add_tasks();
      t->set_id(svc_name(i) + "." + std::to_string(slot) + ".x");
      t->set_service(svc_name(i));
      t->set_slot(static_cast<uint32_t>(slot));
      t->set_node("n1");
      t->set_state(pb::RUNNING);
      t->set_desired_state(pb::RUNNING);
      t->set_pid(100 + slot);
      (*t->mutable_host_ports())["http"] = static_cast<uint32_t>(20000 + slot);
    }
  }
  cluster_state s;
  s.restore(snap);
  return s;
}

TEST(route_book, the_first_build_matches_the_whole_table) {
  auto state = many_services();
  route_book book;
  auto delta = book.rebuild(state);
  EXPECT_EQ(delta.services_size(), services);
  auto table = book.table(state.index());
  EXPECT_TRUE(table.full());
  EXPECT_EQ(fingerprint(table), fingerprint(routes_from(state)));
}

TEST(route_book, an_entry_recomputes_only_the_service_it_touched) {
  auto state = many_services();
  route_book book;
  book.rebuild(state);
  auto touched = state.apply(running(51, "demo_s7.1.x", 101, "unhealthy"));
  auto changed = services_touched(state, touched);
  EXPECT_EQ(changed, (std::set<std::string>{"demo_s7"}));
  auto delta = book.update(state, changed);
  EXPECT_EQ(book.recomputed(), 1u);
  ASSERT_EQ(delta.services_size(), 1);
  EXPECT_EQ(delta.services(0), "demo_s7");
  ASSERT_EQ(delta.routes_size(), 1);
  EXPECT_EQ(delta.routes(0).endpoints_size(), 1) << "the unhealthy task left";
  EXPECT_EQ(delta.index(), 51u);
  EXPECT_FALSE(delta.full());
}

TEST(route_book, a_touch_that_changes_no_route_gives_an_empty_delta) {
  auto state = many_services();
  route_book book;
  book.rebuild(state);
  auto touched = state.apply(running(51, "demo_s3.2.x", 102));  // the same again
  auto delta = book.update(state, services_touched(state, touched));
  EXPECT_EQ(book.recomputed(), 1u);
  EXPECT_EQ(delta.services_size(), 0);
}

TEST(route_book, deltas_applied_to_a_copy_give_the_whole_table) {
  auto state = many_services();
  route_book book;
  pb::RouteTable held;
  apply_route_update(held, book.rebuild(state));
  apply_route_update(held, book.update(state, services_touched(
    state, state.apply(running(51, "demo_s1.1.x", 101, "unhealthy")))));
  pb::Entry gone;  // a service's port unpublished: its routes go
  gone.set_index(53);
  auto* spec = gone.add_changes()->mutable_update_service();
  *spec = state.find_service("demo_s5")->spec();
  spec->mutable_ports(0)->set_published(0);
  spec->mutable_ports(0)->set_protocol("udp");
  auto touched = state.apply(gone);
  auto delta = book.update(state, services_touched(state, touched));
  ASSERT_EQ(delta.services_size(), 1);
  EXPECT_EQ(delta.routes_size(), 0);
  apply_route_update(held, delta);
  EXPECT_EQ(fingerprint(held), fingerprint(routes_from(state)));
  EXPECT_EQ(held.routes_size(), services - 1);
  EXPECT_EQ(fingerprint(book.table(state.index())), fingerprint(routes_from(state)));
}

TEST(route_book, a_follower_builds_everything_once_then_only_what_entries_touch) {
  auto state = many_services();
  route_book book;
  EXPECT_EQ(book.follow(state, touched_keys{}).services_size(), services);
  EXPECT_EQ(book.recomputed(), static_cast<size_t>(services));
  auto touched = state.apply(running(51, "demo_s9.2.x", 102, "unhealthy"));
  auto delta = book.follow(state, touched);
  EXPECT_EQ(book.recomputed(), 1u);
  ASSERT_EQ(delta.services_size(), 1);
  EXPECT_EQ(delta.services(0), "demo_s9");
}

TEST(route_book, a_node_change_touches_the_services_running_there) {
  auto state = many_services();
  touched_keys t;
  t.nodes.insert("n1");
  EXPECT_EQ(services_touched(state, t).size(), static_cast<size_t>(services));
  touched_keys none;
  none.nodes.insert("n9");
  EXPECT_TRUE(services_touched(state, none).empty());
}

} // namespace
} // namespace troupe::network
