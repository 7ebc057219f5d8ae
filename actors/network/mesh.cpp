#include "actors/network/mesh.hpp"

#include <caf/io/middleman.hpp>

#include "actors/manager/snapshot_round.hpp"
#include "actors/manager/core/touched_merge.hpp"
#include "actors/network/core/route_table.hpp"
#include "actors/network/dns_responder.hpp"
#include "actors/network/load_balancer.hpp"
#include "actors/network/sockets.hpp"
#include "actors/observe/probe.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<mesh_actor, mesh_state>;

struct listener {
  std::string host;
  uint32_t port = 0;
  const pb::Route* route = nullptr;
  std::string key() const { return host + ":" + std::to_string(port); }
};

void stop_balancer(self_ptr self, const std::string& key) {
  auto& st = self->state;
  auto i = st.balancers.find(key);
  if (i == st.balancers.end())
    return;
  self->demonitor(i->second);
  self->unlink_from(i->second);
  self->send_exit(i->second, caf::exit_reason::user_shutdown);
  st.balancers.erase(i);
  st.owners.erase(key);
}

std::string owner_of(const pb::Route& route) {
  return route.service() + "/" + route.port_name();
}

/// Tells the managers whether a published port opened here ("" = it did):
/// the first outcome of each port (so an error an earlier run of this node
/// reported is cleared), then each change; a report that was not delivered
/// is sent again on the next try.
void report_port(self_ptr self, const listener& l, const std::string& error) {
  auto& st = self->state;
  if (l.route->published() != l.port || l.host != st.ingress_host)
    return; // VIPs are the node's own business
  auto known = st.reported.find(l.key());
  if (known != st.reported.end() && known->second == error)
    return;
  st.reported[l.key()] = error;
  pb::PortStatus p;
  p.set_node(st.node);
  p.set_service(l.route->service());
  p.set_port_name(l.route->port_name());
  p.set_published(l.port);
  p.set_error(error);
  if (st.store) {
    pb::Entry entry;
    *entry.add_changes()->mutable_port_status() = p;
    auto key = l.key();
    self->request(st.store, store_request_timeout, atom::propose_v, entry)
      .then([](uint64_t) {},
            [self, key](const caf::error&) { self->state.reported.erase(key); });
  } else if (st.agent) {
    self->send(st.agent, atom::status_v, std::move(p));
  }
}

void start_balancer(self_ptr self, const listener& l) {
  auto& st = self->state;
  std::string error;
  int fd = network::open_listener(l.host, static_cast<uint16_t>(l.port), &error);
  if (fd < 0) {
    if (st.refused[l.key()] != error)
      caf::aout(self) << "mesh: " << l.route->service() << ": " << error << std::endl;
    st.refused[l.key()] = error;
    report_port(self, l, error);
    return;
  }
  st.refused.erase(l.key());
  report_port(self, l, "");
  auto lb = self->system().middleman().spawn_broker(load_balancer, fd, *l.route, l.port);
  self->monitor(lb);
  self->link_to(lb);  // ends with the mesh
  st.children.insert(lb.address());
  observe::note_monitor(self, lb);
  observe::note_link(self, lb);
  st.balancers[l.key()] = lb;
  st.owners[l.key()] = owner_of(*l.route);
}

/// Starts and stops balancers for the table's ports and hands the routes
/// of the `changed` services (every service when null) to their balancers.
void serve(self_ptr self, const std::set<std::string>* changed = nullptr) {
  auto& st = self->state;
  std::map<std::string, listener> wanted;  // the first route wins a port
  for (const auto& route : st.table.routes()) {
    if (route.published() != 0) {
      listener l{st.ingress_host, route.published(), &route};
      wanted.emplace(l.key(), l);
    }
    if (route.vip() != 0) {
      listener l{st.vip_host, route.vip(), &route};
      wanted.emplace(l.key(), l);
    }
  }
  for (auto i = st.balancers.begin(); i != st.balancers.end();) {
    auto key = (i++)->first;
    auto w = wanted.find(key);
    if (w == wanted.end() || owner_of(*w->second.route) != st.owners[key])
      stop_balancer(self, key);
  }
  for (auto i = st.refused.begin(); i != st.refused.end();)
    i = wanted.count(i->first) ? std::next(i) : st.refused.erase(i);
  for (auto i = st.reported.begin(); i != st.reported.end();)
    i = wanted.count(i->first) ? std::next(i) : st.reported.erase(i);
  for (const auto& [key, l] : wanted) {
    auto lb = st.balancers.find(key);
    if (lb == st.balancers.end())
      start_balancer(self, l);
    else if (changed == nullptr || changed->count(l.route->service()) > 0)
      caf::anon_send(lb->second, atom::route_v, *l.route);
  }
  if (!st.refused.empty() && !st.retry_scheduled) {
    st.retry_scheduled = true;
    self->delayed_send(self, refused_retry, atom::route_v, pb::RouteTable{});
  }
  if (st.dns)
    caf::anon_send(st.dns, atom::route_v, st.table);
  observe::set_summary(self, std::to_string(st.balancers.size())
                               + " listeners, table at index "
                               + std::to_string(st.table.index()));
}

/// A whole table (served only if it differs) or a delta of some services'
/// routes (the agent checked that it fits the table held).
void take(self_ptr self, const pb::RouteTable& update) {
  auto& st = self->state;
  bool retry = !st.refused.empty();
  if (update.full()) {
    auto fp = network::fingerprint(update);
    st.table = update;
    if (fp == st.fingerprint && !retry)
      return;
    st.fingerprint = fp;
    serve(self);
    return;
  }
  if (update.services_size() == 0 && !retry)
    return;
  std::set<std::string> changed(update.services().begin(),
                                update.services().end());
  network::apply_route_update(st.table, update);
  st.fingerprint.clear();  // the next whole table is served
  serve(self, &changed);
}

/// On a manager: recomputes the routes of the services the entries since
/// the last round touched, and serves what changed.
void refresh(self_ptr self) {
  snapshot_round(self, "mesh", [self](const cluster_state& view) {
    auto& st = self->state;
    auto touched = std::move(st.touched);
    st.touched = touched_keys{};
    take(self, st.routes.follow(view, touched));
    return pb::Entry{};
  });
}
} // namespace

mesh_actor::behavior_type mesh(self_ptr self, std::string ingress_host,
                               std::string node, store_actor store,
                               agent_actor agent, std::string dns_address) {
  observe::describe(self, observe::actor_kind::load_balancer, "mesh");
  self->state.ingress_host = std::move(ingress_host);
  self->state.node = std::move(node);
  self->state.store = store;
  self->state.agent = std::move(agent);
  if (dns_address != "off") {
    std::string error;
    int fd = network::open_udp(dns_address, &error);
    if (fd < 0) {
      caf::aout(self) << "troupe: DNS is off: " << error
                      << " (set dns_address to a free port, or \"off\")" << std::endl;
    } else {
      auto dns = self->spawn(dns_responder, fd);  // its socket has a thread of its own
      self->link_to(dns);
      observe::note_link(self, dns);
      self->attach_functor([dns] { caf::anon_send_exit(dns, caf::exit_reason::user_shutdown); });
      self->state.dns = dns;
      self->state.children.insert(dns.address());
    }
  }
  // Balancers and the DNS responder are linked: they end with the mesh. Their
  // own exits are not the mesh's (a failed balancer is restarted below).
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    if (self->state.children.count(msg.source) != 0)
      return;
    for (auto& [key, lb] : self->state.balancers)
      self->send_exit(lb, caf::exit_reason::user_shutdown);
    self->quit(msg.reason);
  });
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto& st = self->state;
    for (auto& [key, lb] : st.balancers) {
      if (lb.address() != msg.source)
        continue;
      caf::aout(self) << "mesh: load balancer on " << key
                      << " stopped, starting it again: " << to_string(msg.reason)
                      << std::endl;
      auto k = key;
      st.balancers.erase(k);
      st.owners.erase(k);
      serve(self);
      return;
    }
  });
  if (store) {  // subscribed before the first view: no entry falls between
    self->send(store, atom::subscribe_v, caf::actor_cast<change_listener_actor>(self));
    refresh(self);
  }
  return {
    [=](atom::committed, const pb::Entry&, const touched_keys& touched) {
      if (touched.empty())
        return;
      merge(self->state.touched, touched);
      refresh(self);
    },
    [=](atom::route, const pb::RouteTable& table) {
      if (self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(self)) {
        // the retry serve() scheduled: the refused listeners of the table
        // served now (a newer one may have come in since)
        self->state.retry_scheduled = false;
        if (!self->state.refused.empty())
          serve(self);
        return;
      }
      take(self, table);
    },
  };
}

} // namespace troupe
