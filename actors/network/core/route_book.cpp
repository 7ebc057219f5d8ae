#include "actors/network/core/route_book.hpp"

#include "actors/network/core/route_table.hpp"

namespace troupe::network {

std::set<std::string> services_touched(const cluster_state& view,
                                       const touched_keys& touched) {
  std::set<std::string> out = touched.services;
  for (const auto& id : touched.tasks)
    if (const auto* t = view.find_task(id))
      out.insert(t->service());
  for (const auto& node : touched.nodes)
    for (const auto* t : view.tasks_on(node))
      if (t->state() == pb::RUNNING)
        out.insert(t->service());
  return out;
}

pb::RouteTable route_book::update(const cluster_state& view,
                                  const std::set<std::string>& services) {
  pb::RouteTable delta;
  delta.set_index(view.index());
  recomputed_ = 0;
  for (const auto& name : services) {
    ++recomputed_;
    auto now = routes_of(view, name);
    now.set_index(0);
    service_routes next;
    now.SerializeToString(&next.fingerprint);
    auto old = by_service_.find(name);
    bool same = old != by_service_.end()
                  ? old->second.fingerprint == next.fingerprint
                  : now.routes_size() == 0;  // none before, none now
    if (same)
      continue;
    delta.add_services(name);
    for (const auto& r : now.routes()) {
      *delta.add_routes() = r;
      next.routes.push_back(r);
    }
    if (next.routes.empty())
      by_service_.erase(name);
    else
      by_service_[name] = std::move(next);
  }
  return delta;
}

pb::RouteTable route_book::rebuild(const cluster_state& view) {
  std::set<std::string> all;
  for (const auto& [name, svc] : view.services())
    all.insert(name);
  for (const auto& [name, routes] : by_service_)
    all.insert(name);
  return update(view, all);
}

pb::RouteTable route_book::follow(const cluster_state& view,
                                  const touched_keys& touched) {
  if (!built_) {
    built_ = true;
    return rebuild(view);
  }
  return update(view, services_touched(view, touched));
}

pb::RouteTable route_book::table(uint64_t index) const {
  pb::RouteTable out;
  out.set_index(index);
  out.set_full(true);
  for (const auto& [name, s] : by_service_)
    for (const auto& r : s.routes)
      *out.add_routes() = r;
  sort_routes(&out);
  return out;
}

} // namespace troupe::network
