#include "actors/node/node.hpp"

#include <chrono>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/manager/dispatcher.hpp"
#include "actors/manager/gateway.hpp"
#include "actors/manager/entry_filter.hpp"
#include "actors/manager/scheduler.hpp"
#include "actors/manager/service.hpp"
#include "actors/manager/snapshot_round.hpp"
#include "actors/manager/store.hpp"
#include "actors/network/mesh.hpp"
#include "actors/worker/agent.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<node_actor, node_state>;

constexpr auto shutdown_timeout = std::chrono::minutes(2);

/// Links and monitors a child: it ends with the node, and the node hears of
/// its failures through on_down.
template <class Handle>
void watch(self_ptr self, const Handle& child) {
  self->monitor(child);
  self->link_to(child);
  observe::note_monitor(self, child);
  observe::note_link(self, child);
}

bool is_child(self_ptr self, const caf::actor_addr& who) {
  const auto& st = self->state;
  for (const auto& [name, svc] : st.services)
    if (svc.address() == who)
      return true;
  return who == st.store.address() || who == st.scheduler.address()
         || who == st.gateway.address() || who == st.raft.address()
         || who == st.dispatcher.address() || who == st.api.address()
         || who == st.agent.address() || who == st.events.address()
         || who == st.mesh.address();
}

void spawn_service(self_ptr self, const std::string& name) {
  auto svc = self->spawn(service, name, self->state.store);
  watch(self, svc);
  self->send(self->state.store, atom::subscribe_v,
             caf::actor_cast<listener_actor>(svc), name);
  self->state.services[name] = svc;
}

/// One service actor per service in the store, no more, no less.
void sync_services(self_ptr self) {
  self->request(self->state.store, store_request_timeout, atom::snapshot_v)
    .then(
      [=](const state_view& view) {
        for (const auto& [name, svc] : view.services())
          if (self->state.services.count(name) == 0)
            spawn_service(self, name);
        // Service actors of removed services quit by themselves.
      },
      [=](const caf::error& err) {
        caf::aout(self) << "node: cannot read state: " << error_message(err)
                        << std::endl;
      });
}

void spawn_scheduler(self_ptr self) {
  self->state.scheduler = self->spawn(scheduler, self->state.store);
  watch(self, self->state.scheduler);
  self->send(self->state.store, atom::subscribe_v,
             caf::actor_cast<listener_actor>(self->state.scheduler));
}

/// Makes the gateway reachable on the cluster address; failing that, the
/// node ends with the reason (run_agent reports it).
void publish_gateway(self_ptr self) {
  auto& st = self->state;
  // Detached: peers' Raft messages pass through it, so they never wait on
  // CAF's shared workers behind the store's, dispatcher's and services' long
  // turns (10,000-task entries).
  st.gateway = self->spawn<caf::detached>(gateway, st.setup.cluster,
                                          st.setup.join_token, st.dispatcher,
                                          st.raft);
  watch(self, st.gateway);
  const auto& address = st.setup.cluster_address;
  auto colon = address.rfind(':');
  auto host = address.substr(0, colon);
  auto port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(10), caf::publish_atom::value, port,
                caf::actor_cast<caf::strong_actor_ptr>(st.gateway),
                std::set<std::string>{}, host, true)
    .then([](uint16_t) {},
          [=](const caf::error& err) {
            self->quit(caf::make_error(error_code::unavailable,
                                       "cannot listen on the cluster address "
                                         + address + ": " + to_string(err)));
          });
}

void start_manager_side(self_ptr self) {
  auto& st = self->state;
  st.store = self->spawn(store, st.setup.db, store_options{});
  watch(self, st.store);
  self->send(st.store, atom::subscribe_v, caf::actor_cast<listener_actor>(self));
  // Raft on its own thread: heartbeats and elections must not wait behind
  // the store, the dispatcher or a service actor busy with a large round on
  // CAF's shared workers (a 10,000-task deploy on a busy 2-core machine
  // made the managers elect leaders again and again).
  st.raft = self->spawn<caf::detached>(raft_member, st.setup.raft,
                        caf::actor_cast<applier_actor>(st.store),
                        caf::actor_cast<node_actor>(self));
  watch(self, st.raft);
  self->send(st.store, atom::raft_v, st.raft);
  st.dispatcher = self->spawn(dispatcher, st.store,
                              st.setup.timings.node_heartbeat_ms(),
                              st.setup.timings.node_down_after(),
                              st.setup.role == "standalone" ? st.setup.record.name()
                                                            : std::string{});
  watch(self, st.dispatcher);
  self->send(st.store, atom::subscribe_v,
             caf::actor_cast<change_listener_actor>(st.dispatcher));
  st.api = self->spawn<caf::detached>(api, st.setup.api, st.store, st.dispatcher,
                                      st.raft);
  watch(self, st.api);
  if (st.setup.events) {
    st.events = self->spawn<caf::detached>(observe::events, st.setup.events,
                                           st.store, st.raft);
    watch(self, st.events);
  }
  if (st.setup.role == "manager")
    publish_gateway(self);
}

/// Scheduler and service actors decide for the cluster: only the leader
/// runs them. A manager that stops leading stops them and lets its workers go.
void on_leadership(self_ptr self, bool leading) {
  auto& st = self->state;
  if (leading == st.leading)
    return;
  st.leading = leading;
  observe::set_summary(self, st.setup.role + (leading ? ", leading" : ""));
  caf::aout(self) << "node: " << (leading ? "now leading" : "no longer leading")
                  << " the managers" << std::endl;
  self->send(st.dispatcher, atom::leader_v, leading);
  if (st.setup.on_leadership)
    st.setup.on_leadership(leading);
  if (leading) {
    spawn_scheduler(self);
    sync_services(self);
    return;
  }
  auto stop = [&](auto& handle) {
    if (!handle)
      return;
    self->demonitor(handle.address());
    self->unlink_from(handle);
    self->send_exit(handle, caf::exit_reason::user_shutdown);
    handle = nullptr;
  };
  stop(st.scheduler);
  for (auto& [name, svc] : st.services)
    stop(svc);
  st.services.clear();
}

void on_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto i = st.services.begin(); i != st.services.end(); ++i) {
    if (i->second.address() != msg.source)
      continue;
    auto name = i->first;
    st.services.erase(i);
    if (msg.reason) {
      caf::aout(self) << "node: service actor " << name
                      << " failed, restarting it: " << to_string(msg.reason)
                      << std::endl;
      spawn_service(self, name);
    }
    return;
  }
  if (st.scheduler && msg.source == st.scheduler.address()) {
    caf::aout(self) << "node: scheduler failed, restarting it: "
                    << to_string(msg.reason) << std::endl;
    spawn_scheduler(self);
    return;
  }
  // store, dispatcher, api or agent: the node cannot go on without it.
  self->quit(msg.reason ? msg.reason
                        : caf::make_error(error_code::internal,
                                          "a core actor of the node stopped"));
}

} // namespace

node_actor::behavior_type node(probed_pointer<node_actor, node_state> self,
                               node_setup setup) {
  self->state.setup = std::move(setup);
  observe::describe(self, observe::actor_kind::node,
                    "node/" + self->state.setup.record.name());
  observe::set_summary(self, self->state.setup.role);
  self->set_down_handler([=](const caf::down_msg& msg) { on_down(self, msg); });
  // Children are linked: when the node ends, they end with it. Their own
  // failures arrive as down messages (above), not as exits of the node.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    if (!msg.reason)
      return; // a child that finished normally
    if (!is_child(self, msg.source))
      self->quit(msg.reason);
  });
  auto& st = self->state;
  if (st.setup.role != "worker")
    start_manager_side(self);
  if (st.setup.role != "manager") {
    if (st.setup.role == "standalone")
      st.setup.upstream.local = st.dispatcher;
    st.agent = self->spawn(agent, st.setup.record, st.setup.upstream,
                           st.setup.drivers, st.setup.tasks_dir, st.setup.images_dir,
                           std::shared_ptr<blocking_pool>{});
    watch(self, st.agent);
  }
  st.mesh = self->spawn(mesh, st.setup.ingress_host, st.setup.record.name(),
                        st.store, st.agent, st.setup.dns_address);
  watch(self, st.mesh);
  if (!st.store)  // on a manager the mesh follows the store itself
    self->send(st.agent, atom::route_v, st.mesh);
  if (st.setup.role == "worker" && st.setup.api) {
    // A worker's API answers the console and `system df|prune` only.
    st.api = self->spawn<caf::detached>(api, st.setup.api, st.store,
                                        st.dispatcher, st.raft);
    watch(self, st.api);
  }
  if (st.api && st.agent)
    self->send(st.api, atom::connect_v, st.agent);
  return {
    [=](atom::committed, const pb::Entry& entry) {
      if (self->state.leading && !scope_of(entry).stacks.empty())
        sync_services(self);
    },
    [=](atom::leader, bool leading) { on_leadership(self, leading); },
    [=](atom::shutdown) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      auto hand_over = [=]() mutable {
        if (!self->state.raft) {
          promise.deliver(true);
          return;
        }
        promise.delegate(self->state.raft, atom::shutdown_v);
      };
      if (!self->state.agent) {
        hand_over();
        return promise;
      }
      self->request(self->state.agent, shutdown_timeout, atom::shutdown_v)
        .then([=](bool) mutable { hand_over(); },
              [=](const caf::error&) mutable { hand_over(); });
      return promise;
    },
  };
}

} // namespace troupe
