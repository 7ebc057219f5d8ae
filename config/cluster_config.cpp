#include "config/cluster_config.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <type_traits>

#include "config/toml_reader.hpp"
#include "config/units.hpp"

namespace troupe {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
    return "local";
  return buf;
}

int64_t host_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  int64_t value = 0;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemTotal:")
      return value * 1024;
  }
  return 0;
}

bool valid_node_name(const std::string& n) {
  if (n.empty() || n.size() > 63 || !isalnum(static_cast<unsigned char>(n[0])))
    return false;
  for (char c : n)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

// "host:port" or "[v6]:port" with a port in 1..65535.
bool valid_host_port(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size())
    return false;
  std::string host = s.substr(0, colon), port = s.substr(colon + 1);
  if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string::npos)
    return false;
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return false;
  int p = std::stoi(port);
  return p >= 1 && p <= 65535;
}

bool is_ipv4(const std::string& s) {
  in_addr parsed{};
  return inet_pton(AF_INET, s.c_str(), &parsed) == 1;
}

void check_address(toml_reader& r, const toml::table& t, const std::string& path,
                   std::string_view key, const std::string& value) {
  if (!valid_host_port(value))
    r.error(*t.get(key), toml_reader::join(path, key),
            "'" + value + "' is not an address (use host:port with a port 1..65535, "
                          "e.g. 127.0.0.1:7100)");
}

void read_port_range(toml_reader& r, const toml::table& t, const std::string& path,
                     pb::NodeConfig* n) {
  auto v = r.string(t, path, "ports");
  if (!v)
    return;
  std::string key = toml_reader::join(path, "ports");
  size_t dash = v->find('-');
  const char* usage = " (use e.g. \"20000-29999\" within 1024-65535)";
  long lo = 0, hi = 0;
  bool digits = dash != std::string::npos && dash > 0 && dash + 1 < v->size()
                && v->find_first_not_of("0123456789-") == std::string::npos
                && v->find('-', dash + 1) == std::string::npos && dash <= 5
                && v->size() - dash - 1 <= 5;
  if (digits) {
    lo = std::stol(v->substr(0, dash));
    hi = std::stol(v->substr(dash + 1));
  }
  if (!digits)
    r.error(*t.get("ports"), key, "'" + *v + "' is not a port range" + usage);
  else if (lo < 1024 || hi > 65535 || lo > hi)
    r.error(*t.get("ports"), key, "'" + *v + "' must be MIN-MAX with 1024 <= MIN <= MAX <= 65535");
  else {
    n->set_port_min(static_cast<uint32_t>(lo));
    n->set_port_max(static_cast<uint32_t>(hi));
  }
}

/// bind_prefixes: the host folders under which a stack's bind volumes may
/// be; absolute, normalized, at most max_bind_prefixes (none by default).
void read_bind_prefixes(toml_reader& r, const toml::table& t, const std::string& path,
                        pb::NodeConfig* n) {
  auto v = r.strings(t, path, "bind_prefixes");
  if (!v)
    return;
  const std::string key = path + ".bind_prefixes";
  if (v->size() > max_bind_prefixes) {
    r.error(*t.get("bind_prefixes"), key,
            "has " + std::to_string(v->size()) + " entries, at most "
                + std::to_string(max_bind_prefixes) + " are allowed");
    return;
  }
  for (const auto& prefix : *v) {
    auto normal = std::filesystem::path(prefix).lexically_normal().string();
    if (prefix.empty() || prefix[0] != '/' || prefix.size() > 4096
        || prefix.find('\0') != std::string::npos)
      r.error(*t.get("bind_prefixes"), key,
              "'" + prefix + "' is not an absolute path");
    else if (normal == "/")
      r.error(*t.get("bind_prefixes"), key,
              "'/' would let a stack mount any host folder: name the folders bind volumes may use");
    else {
      if (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
      n->add_bind_prefixes(normal);
    }
  }
}

void read_node_config(toml_reader& r, const toml::table& t, const std::string& path,
                      pb::NodeConfig* n) {
  r.check_keys(t, path, {"data_dir", "driver", "address", "api_address", "labels",
                         "cpus", "memory", "ports", "images_dir",
                         "events_address", "metrics_address", "ingress_address",
                         "dns_address", "stop_tasks", "bind_prefixes"});
  if (auto v = r.string(t, path, "data_dir")) n->set_data_dir(*v);
  if (auto v = r.string(t, path, "driver")) {
    n->set_driver(*v);
    if (*v != "process" && *v != "oci" && *v != "sim")
      r.error(*t.get("driver"), path + ".driver",
              "must be one of \"process\", \"oci\", \"sim\", got \"" + *v + "\"");
  }
  if (auto v = r.string(t, path, "address")) {
    n->set_address(*v);
    if (v->empty())
      r.error(*t.get("address"), path + ".address", "must not be empty");
  }
  if (auto v = r.string(t, path, "api_address")) {
    n->set_api_address(*v);
    check_address(r, t, path, "api_address", *v);
  }
  if (auto v = r.string_map(t, path, "labels"))
    for (auto& [k, val] : *v) (*n->mutable_labels())[k] = val;
  if (auto v = r.number(t, path, "cpus")) {
    n->set_cpus(*v);
    if (!(*v >= 0 && *v <= max_cpus))
      r.error(*t.get("cpus"), path + ".cpus",
              "must be a number between 0 and " + std::to_string(static_cast<int>(max_cpus))
                  + " (0 = the host's)");
  }
  if (auto v = r.size(t, path, "memory")) {
    n->set_memory_bytes(*v);
    if (*v != 0 && (*v < min_memory_bytes || *v > max_memory_bytes))
      r.error(*t.get("memory"), path + ".memory",
              "must be between " + format_size_bytes(min_memory_bytes) + " and "
                  + format_size_bytes(max_memory_bytes) + " (0 = the host's)");
  }
  read_port_range(r, t, path, n);
  read_bind_prefixes(r, t, path, n);
  if (auto v = r.string(t, path, "images_dir")) n->set_images_dir(*v);
  if (auto v = r.string(t, path, "events_address")) {
    n->set_events_address(*v);
    check_address(r, t, path, "events_address", *v);
  }
  if (auto v = r.string(t, path, "metrics_address")) {
    n->set_metrics_address(*v);
    if (*v != "off")
      check_address(r, t, path, "metrics_address", *v);
  }
  if (auto v = r.string(t, path, "ingress_address")) {
    n->set_ingress_address(*v);
    if (!is_ipv4(*v))
      r.error(*t.get("ingress_address"), path + ".ingress_address",
              "must be an IPv4 address such as \"0.0.0.0\", got \"" + *v + "\"");
  }
  if (auto v = r.string(t, path, "dns_address")) {
    n->set_dns_address(*v);
    if (*v != "off")
      check_address(r, t, path, "dns_address", *v);
  }
  if (auto v = r.boolean(t, path, "stop_tasks")) n->set_stop_tasks(*v);
}

// [cluster] vip_ports = "MIN-MAX": the internal VIP ports (actors/network/core/vip.hpp).
void read_vip_ports(toml_reader& r, const toml::table& t, pb::ClusterConfig* c) {
  auto v = r.string(t, "cluster", "vip_ports");
  if (!v)
    return;
  auto dash = v->find('-');
  long lo = 0, hi = 0;
  bool digits = dash != std::string::npos && dash > 0 && dash <= 5 && v->size() - dash - 1 <= 5
                && dash + 1 < v->size()
                && v->find_first_not_of("0123456789-") == std::string::npos
                && v->find('-', dash + 1) == std::string::npos;
  if (digits) {
    lo = std::stol(v->substr(0, dash));
    hi = std::stol(v->substr(dash + 1));
  }
  if (!digits || lo < 1024 || hi > 65535 || lo > hi) {
    r.error(*t.get("vip_ports"), "cluster.vip_ports",
            "'" + *v + "' must be MIN-MAX with 1024 <= MIN <= MAX <= 65535 (e.g. \"15000-16999\")");
    return;
  }
  c->set_vip_port_min(static_cast<uint32_t>(lo));
  c->set_vip_port_max(static_cast<uint32_t>(hi));
}

void read_cluster(toml_reader& r, const toml::table& root, pb::ClusterConfig* c) {
  const toml::table* t = r.table(root, "", "cluster");
  if (!t) {
    if (!root.contains("cluster"))
      r.error(root, "cluster", "is required (a [cluster] table with name = \"...\")");
    return;
  }
  r.check_keys(*t, "cluster", {"name", "join_token", "vip_ports"});
  read_vip_ports(r, *t, c);
  if (auto v = r.string(*t, "cluster", "name")) {
    c->set_name(*v);
    if (!valid_node_name(*v))
      r.error(*t->get("name"), "cluster.name",
              "'" + *v + "' must be letters, digits, '-', '_' or '.' (at most 63)");
  } else if (!t->contains("name")) {
    r.missing(*t, "cluster", "name");
  }
  if (auto v = r.string(*t, "cluster", "join_token")) {
    c->set_join_token(*v);
    if (v->size() < 16)
      r.error(*t->get("join_token"), "cluster.join_token",
              "must be at least 16 characters long");
  }
}

void read_manager(toml_reader& r, const toml::table& t, const std::string& path,
                  pb::ManagerConfig* m) {
  r.check_keys(t, path, {"name", "cluster_address", "api_address", "events_address",
                         "metrics_address"});
  if (auto v = r.string(t, path, "events_address")) {
    m->set_events_address(*v);
    check_address(r, t, path, "events_address", *v);
  }
  if (auto v = r.string(t, path, "metrics_address")) {
    m->set_metrics_address(*v);
    if (*v != "off")
      check_address(r, t, path, "metrics_address", *v);
  }
  for (std::string_view key : {"name", "cluster_address", "api_address"}) {
    auto v = r.string(t, path, key);
    if (!v) {
      if (!t.contains(key)) r.missing(t, path, key);
      continue;
    }
    if (key == "name") {
      m->set_name(*v);
      if (!valid_node_name(*v))
        r.error(*t.get(key), path + ".name", "'" + *v + "' is not a valid node name");
    } else {
      (key == "api_address" ? m->mutable_api_address() : m->mutable_cluster_address())
          ->assign(*v);
      check_address(r, t, path, key, *v);
    }
  }
}

void read_managers(toml_reader& r, const toml::table& root, pb::ClusterConfig* c) {
  const toml::array* a = r.array(root, "", "managers");
  if (!a) {
    if (!root.contains("managers"))
      *c->mutable_managers() = default_cluster_config().managers();
    return;
  }
  if (a->size() != 1 && a->size() != 3 && a->size() != 5)
    r.error(*root.get("managers"), "managers",
            "must have 1, 3 or 5 entries (a Raft majority), got "
                + std::to_string(a->size()));
  std::set<std::string> names, addresses;
  for (size_t i = 0; i < a->size(); ++i) {
    std::string path = "managers[" + std::to_string(i) + "]";
    const toml::table* t = a->get(i)->as_table();
    if (!t) {
      r.wrong_type(*a->get(i), path, "a table");
      continue;
    }
    pb::ManagerConfig* m = c->add_managers();
    read_manager(r, *t, path, m);
    if (!m->name().empty() && !names.insert(m->name()).second)
      r.error(*t->get("name"), path + ".name", "duplicate manager name '" + m->name() + "'");
    for (auto* addr : {&m->cluster_address(), &m->api_address()})
      if (!addr->empty() && !addresses.insert(*addr).second)
        r.error(*t, path, "address " + *addr + " is used twice");
  }
}

void read_nodes(toml_reader& r, const toml::table& root, pb::ClusterConfig* c) {
  if (const toml::table* t = r.table(root, "", "defaults"))
    read_node_config(r, *t, "defaults", c->mutable_defaults());
  const toml::table* nodes = r.table(root, "", "nodes");
  if (!nodes)
    return;
  for (auto&& [key, node] : *nodes) {
    std::string name(key.str()), path = "nodes." + name;
    if (!valid_node_name(name))
      r.error(key.source(), path, "'" + name + "' is not a valid node name");
    const toml::table* t = node.as_table();
    if (!t) {
      r.wrong_type(node, path, "a table");
      continue;
    }
    pb::NodeConfig* n = c->add_nodes();
    n->set_name(name);
    read_node_config(r, *t, path, n);
  }
}

void read_timings(toml_reader& r, const toml::table& root, pb::Timings* tm) {
  const toml::table* t = r.table(root, "", "timings");
  if (!t)
    return;
  r.check_keys(*t, "timings", {"raft_heartbeat", "election_timeout", "node_heartbeat",
                               "node_down_after", "request_timeout"});
  auto within = [&](std::string_view key, ms_range range, auto setter) {
    auto v = r.duration(*t, "timings", key);
    if (!v) return;
    if (*v < range.lo || *v > range.hi)
      r.error(*t->get(key), toml_reader::join("timings", key),
              "must be between " + format_duration_ms(range.lo) + " and "
                  + format_duration_ms(range.hi) + ", got " + format_duration_ms(*v));
    else
      (tm->*setter)(*v);
  };
  within("raft_heartbeat", raft_heartbeat_range, &pb::Timings::set_raft_heartbeat_ms);
  within("election_timeout", election_timeout_range, &pb::Timings::set_election_timeout_ms);
  within("node_heartbeat", node_heartbeat_range, &pb::Timings::set_node_heartbeat_ms);
  within("request_timeout", request_timeout_range, &pb::Timings::set_request_timeout_ms);
  if (auto v = r.count(*t, "timings", "node_down_after")) {
    if (*v < 1 || *v > max_node_down_after)
      r.error(*t->get("node_down_after"), "timings.node_down_after",
              "must be between 1 and " + std::to_string(max_node_down_after));
    else
      tm->set_node_down_after(*v);
  }
  if (tm->election_timeout_ms() < 2 * tm->raft_heartbeat_ms())
    r.error(t->contains("election_timeout") ? t->get("election_timeout")->source()
                                            : t->source(),
            "timings.election_timeout",
            "must be at least twice timings.raft_heartbeat");
}

// [limits]: the replica ceiling, the cluster's task ceiling, the API's
// request size (config/limits.hpp).
void read_limits(toml_reader& r, const toml::table& root, input_limits* l) {
  const toml::table* t = r.table(root, "", "limits");
  if (!t)
    return;
  r.check_keys(*t, "limits", {"max_replicas", "max_tasks", "max_request_size"});
  auto bounded = [&](std::string_view key, uint64_t lo, uint64_t hi, auto v, auto* field) {
    if (!v)
      return;
    if (static_cast<uint64_t>(*v) < lo || static_cast<uint64_t>(*v) > hi)
      r.error(*t->get(key), toml_reader::join("limits", key),
              "must be between " + std::to_string(lo) + " and " + std::to_string(hi)
                  + ", got " + std::to_string(*v));
    else
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(*v);
  };
  bounded("max_replicas", 1, max_replicas_ceiling, r.count(*t, "limits", "max_replicas"),
          &l->max_replicas);
  bounded("max_tasks", 1, max_tasks_ceiling, r.count(*t, "limits", "max_tasks"),
          &l->max_tasks);
  bounded("max_request_size", 1024, max_request_bytes_ceiling,
          r.size(*t, "limits", "max_request_size"), &l->max_request_bytes);
}

} // namespace

pb::ClusterConfig default_cluster_config() {
  pb::ClusterConfig c;
  c.set_name("troupe");
  pb::ManagerConfig* m = c.add_managers();
  m->set_name(host_name());
  m->set_cluster_address("127.0.0.1:7200");
  pb::NodeConfig* d = c.mutable_defaults();
  d->set_data_dir("./troupe-data");
  d->set_driver("process");
  d->set_address("127.0.0.1");
  d->set_port_min(20000);
  d->set_port_max(29999);
  d->set_images_dir("/var/lib/troupe/images");
  d->set_ingress_address("0.0.0.0");
  pb::Timings* t = c.mutable_timings();
  t->set_raft_heartbeat_ms(100);
  t->set_election_timeout_ms(1000);
  t->set_node_heartbeat_ms(1000);
  t->set_node_down_after(3);
  t->set_request_timeout_ms(10000);
  return c;
}

cluster_load_result parse_cluster_config(std::string_view text,
                                         const std::string& source) {
  cluster_load_result out;
  pb::ClusterConfig base = default_cluster_config();
  out.config.set_source(source);
  *out.config.mutable_defaults() = base.defaults();
  *out.config.mutable_timings() = base.timings();
  auto root = parse_toml(text, source, &out.errors);
  if (!root)
    return out;
  toml_reader r(source, &out.errors);
  r.check_keys(*root, "", {"cluster", "managers", "defaults", "nodes", "timings",
                           "limits", "api"});
  read_cluster(r, *root, &out.config);
  read_managers(r, *root, &out.config);
  read_nodes(r, *root, &out.config);
  read_timings(r, *root, out.config.mutable_timings());
  read_limits(r, *root, &out.limits);
  if (const toml::table* t = r.table(*root, "", "api")) {
    r.check_keys(*t, "api", {"socket_group"});
    if (auto v = r.string(*t, "api", "socket_group")) out.api_socket_group = *v;
  }
  sort_by_position(&out.errors);
  return out;
}

cluster_load_result load_cluster_config(const std::string& path) {
  std::string why;
  auto text = read_text_file(path, &why);
  if (!text) {
    cluster_load_result out;
    config_error e;
    e.file = path;
    e.message = "cannot read cluster config " + path + ": " + why;
    out.errors.push_back(std::move(e));
    return out;
  }
  return parse_cluster_config(*text, path);
}

pb::NodeConfig resolve_node(const pb::ClusterConfig& config,
                            const std::string& name) {
  pb::NodeConfig n = config.defaults();
  const pb::NodeConfig builtin = default_cluster_config().defaults();
  for (const auto& o : config.nodes()) {
    if (o.name() != name)
      continue;
    if (o.bind_prefixes_size() > 0)
      n.clear_bind_prefixes(); // a node's list replaces the defaults'
    n.MergeFrom(o); // set scalars override; labels merge, the node's win
  }
  for (const auto& m : config.managers())
    if (m.name() == name) {
      if (!m.api_address().empty())
        n.set_api_address(m.api_address());
      if (!m.events_address().empty())
        n.set_events_address(m.events_address());
      if (!m.metrics_address().empty())
        n.set_metrics_address(m.metrics_address());
    }
  // fill what neither the config nor the node gives from the built-in defaults
  pb::NodeConfig filled = builtin;
  filled.clear_labels();
  filled.MergeFrom(n);
  n = filled;
  n.set_name(name);
  if (n.cpus() <= 0)
    n.set_cpus(std::max(1u, std::thread::hardware_concurrency()));
  if (n.memory_bytes() <= 0)
    n.set_memory_bytes(host_memory_bytes());
  return n;
}

} // namespace troupe
