// The kinds of actor the introspection registry knows (shown by the console's
// `ls KIND` and `tree`). Pure: no CAF.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::observe {

enum class actor_kind {
  node, service, task, supervisor, load_balancer, raft, store, scheduler,
  dispatcher, api, gateway, agent, events, metrics, other,
};

/// "load_balancer" → "load balancer" style names, as the console shows them.
const char* to_string(actor_kind k);
/// The kind named `s` ("load-balancer", "load_balancer" and "lb" all work).
std::optional<actor_kind> parse_kind(std::string_view s);
/// Whether the console may kill an actor of this kind and name: tasks,
/// supervisors, services and load balancers (whose supervisors or managers
/// bring them back) yes; the node's core actors (node, store, raft, api,
/// gateway, dispatcher, scheduler, agent, events, the mesh, DNS...) no:
/// killing one would end the node and orphan its tasks.
bool killable(actor_kind kind, std::string_view name);

/// Every kind's name, for help and tab completion.
std::vector<std::string> kind_names();

} // namespace troupe::observe
