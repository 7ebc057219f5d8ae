#include "actors/network/core/route_table.hpp"

#include <algorithm>
#include <set>

#include "actors/network/core/vip.hpp"

namespace troupe::network {

bool is_endpoint(const pb::Task& task, const pb::Node* node,
                 const std::string& port_name) {
  if (task.state() != pb::RUNNING || task.desired_state() != pb::RUNNING
      || task.pid() == 0)
    return false;
  if (!task.health().empty() && task.health() != "healthy")
    return false;
  if (node == nullptr || node->state() != "ready")
    return false;
  auto port = task.host_ports().find(port_name);
  return port != task.host_ports().end() && port->second != 0;
}

namespace {

void add_routes(const cluster_state& state, const pb::Service& svc,
                pb::RouteTable* out) {
  for (const auto& port : svc.spec().ports()) {
    auto vip = vip_of(svc, port.name());
    if ((port.published() == 0 && vip == 0)
        || (!port.protocol().empty() && port.protocol() != "tcp"))
      continue;
    auto* route = out->add_routes();
    route->set_service(svc.spec().name());
    route->set_port_name(port.name());
    route->set_published(port.published());
    route->set_vip(vip);
    route->set_stack(svc.spec().stack());
    route->set_short_name(short_name(svc.spec()));
    route->set_proxy_protocol(port.proxy_protocol());
    route->set_balance(port.balance().empty() ? "least-connections" : port.balance());
    for (const auto* task : state.tasks_of(svc.spec().name())) {
      const auto* node = state.find_node(task->node());
      if (!is_endpoint(*task, node, port.name()))
        continue;
      auto* ep = route->add_endpoints();
      ep->set_task_id(task->id());
      ep->set_node(task->node());
      ep->set_address(node->address().empty() ? "127.0.0.1" : node->address());
      ep->set_port(task->host_ports().at(port.name()));
      ep->set_health(task->health());
    }
    std::sort(route->mutable_endpoints()->begin(), route->mutable_endpoints()->end(),
              [](const auto& a, const auto& b) { return a.task_id() < b.task_id(); });
  }
}

} // namespace

void sort_routes(pb::RouteTable* table) {
  std::sort(table->mutable_routes()->begin(), table->mutable_routes()->end(),
            [](const auto& a, const auto& b) {
              if (a.published() != b.published())
                return a.published() < b.published();
              if (a.service() != b.service())
                return a.service() < b.service();
              return a.port_name() < b.port_name();
            });
}

void apply_route_update(pb::RouteTable& table, const pb::RouteTable& update) {
  if (update.full()) {
    table = update;
    return;
  }
  std::set<std::string> redone(update.services().begin(),
                               update.services().end());
  auto* routes = table.mutable_routes();
  int kept = 0;
  for (int i = 0; i < routes->size(); ++i)
    if (redone.count(routes->Get(i).service()) == 0)
      routes->SwapElements(i, kept++);
  routes->DeleteSubrange(kept, routes->size() - kept);
  for (const auto& r : update.routes())
    *routes->Add() = r;
  sort_routes(&table);
  table.set_index(update.index());
}

pb::RouteTable routes_from(const cluster_state& state) {
  pb::RouteTable table;
  table.set_index(state.index());
  for (const auto& [name, svc] : state.services())
    add_routes(state, svc, &table);
  sort_routes(&table);
  return table;
}

pb::RouteTable routes_of(const cluster_state& state, const std::string& service) {
  pb::RouteTable table;
  table.set_index(state.index());
  if (const auto* svc = state.find_service(service))
    add_routes(state, *svc, &table);
  sort_routes(&table);
  return table;
}

std::string fingerprint(const pb::RouteTable& table) {
  auto copy = table;
  copy.set_index(0);
  copy.set_full(false);
  copy.set_base_index(0);
  std::string out;
  copy.SerializeToString(&out);
  return out;
}

} // namespace troupe::network
