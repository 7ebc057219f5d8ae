#include "config/stack_rules.hpp"

#include <map>
#include <set>

#include "config/constraint.hpp"
#include "config/units.hpp"
#include "config/service_mode.hpp"

namespace troupe {
namespace {

using issues = std::vector<spec_issue>;

bool env_name_ok(const std::string& k) {
  if (k.empty() || !(isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_'))
    return false;
  for (char c : k)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

bool port_name_ok(const std::string& n) {
  if (n.empty())
    return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string format_number(double d) {
  auto s = std::to_string(d);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.')
    s.pop_back();
  return s;
}

void one_of(issues* out, const std::string& key, const std::string& value,
            std::initializer_list<const char*> allowed) {
  std::string list;
  for (auto a : allowed) {
    if (value == a)
      return;
    list += (list.empty() ? "" : ", ") + quoted(a);
  }
  out->push_back({key, "must be one of " + list + ", got " + quoted(value)});
}

void not_negative(issues* out, const std::string& key, int64_t v) {
  if (v < 0)
    out->push_back({key, "must be >= 0"});
}

void in_range(issues* out, const std::string& key, int64_t ms, ms_range r) {
  if (ms < r.lo || ms > r.hi)
    out->push_back({key, "must be between " + format_duration_ms(r.lo) + " and "
                             + format_duration_ms(r.hi) + ", got "
                             + (ms < 0 ? std::to_string(ms) + "ms" : format_duration_ms(ms))});
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

template <class Strings>
void no_nul(issues* out, const std::string& key, const Strings& strings) {
  for (const auto& x : strings)
    if (has_nul(x)) {
      out->push_back({key, "must not contain a NUL byte"});
      return;
    }
}

void check_policy(issues* out, const std::string& key,
                  const pb::UpdatePolicy& p) {
  in_range(out, key + ".delay", p.delay_ms(), update_delay_range);
  in_range(out, key + ".monitor", p.monitor_ms(), update_monitor_range);
  one_of(out, key + ".failure_action", p.failure_action(),
         {"pause", "continue", "rollback"});
  if (!(p.max_failure_ratio() >= 0 && p.max_failure_ratio() <= 1))
    out->push_back({key + ".max_failure_ratio", "must be between 0 and 1"});
  one_of(out, key + ".order", p.order(), {"stop-first", "start-first"});
}

void check_restart(issues* out, const std::string& key,
                   const pb::RestartPolicy& r) {
  one_of(out, key + ".condition", r.condition(), {"none", "on-failure", "any"});
  in_range(out, key + ".delay", r.delay_ms(), restart_delay_range);
  in_range(out, key + ".max_delay", r.max_delay_ms(), restart_delay_range);
  in_range(out, key + ".window", r.window_ms(), restart_window_range);
}

// Job modes (config/service_mode.hpp): completions and max_concurrent only
// for a replicated-job, no replica count, and no restart after success.
void check_job(issues* out, const std::string& key, const pb::ServiceSpec& s) {
  constexpr uint32_t most = 100000;
  bool job = is_job_mode(s);
  if (job && s.replicas() != 0)
    out->push_back({key + ".replicas", "must not be set for a job (mode \""
                                         + s.mode() + "\"): use completions and max_concurrent"});
  if (s.mode() != "replicated-job") {
    if (s.completions() != 0)
      out->push_back({key + ".completions", "is only for mode = \"replicated-job\""});
    if (s.max_concurrent() != 0)
      out->push_back({key + ".max_concurrent", "is only for mode = \"replicated-job\""});
  } else {
    if (s.completions() > most)
      out->push_back({key + ".completions", "must be at most 100000"});
    if (s.max_concurrent() > s.completions() && s.completions() != 0)
      out->push_back({key + ".max_concurrent", "must not exceed completions ("
                                                 + std::to_string(s.completions()) + ")"});
  }
  if (job && s.restart().condition() == "any")
    out->push_back({key + ".restart.condition",
                    "must be \"on-failure\" or \"none\" for a job: its tasks run to completion"});
}

void check_health(issues* out, const std::string& key,
                  const pb::ServiceSpec& s) {
  const pb::HealthCheck& h = s.health();
  int kinds = (h.cmd_size() > 0) + h.tcp() + !h.http().empty();
  if (kinds != 1)
    out->push_back({key, "set exactly one of cmd, tcp, http"});
  if (!h.http().empty() && h.http()[0] != '/')
    out->push_back({key + ".http", "must be a path starting with '/'"});
  if ((h.tcp() || !h.http().empty()) && s.ports_size() == 0)
    out->push_back({key, "tcp and http checks need a port in ports"});
  in_range(out, key + ".interval", h.interval_ms(), health_interval_range);
  in_range(out, key + ".timeout", h.timeout_ms(), health_timeout_range);
  in_range(out, key + ".start_period", h.start_period_ms(), health_start_period_range);
  if (h.retries() > max_health_retries)
    out->push_back({key + ".retries", "must be at most " + std::to_string(max_health_retries)});
  no_nul(out, key + ".cmd", h.cmd());
}

void check_ports(issues* out, const std::string& key, const pb::ServiceSpec& s,
                 std::map<uint32_t, std::string>* published) {
  std::set<std::string> names;
  for (int i = 0; i < s.ports_size(); ++i) {
    const pb::PortSpec& p = s.ports(i);
    std::string pk = key + ".ports[" + std::to_string(i) + "]";
    if (!port_name_ok(p.name()))
      out->push_back({pk + ".name", "must match [a-z0-9_]+, got " + quoted(p.name())});
    else if (!names.insert(p.name()).second)
      out->push_back({pk + ".name", "duplicate port name " + quoted(p.name())});
    if (p.target() < 1 || p.target() > 65535)
      out->push_back({pk + ".target", "must be between 1 and 65535"});
    if (p.published() > 65535)
      out->push_back({pk + ".published", "must be between 0 and 65535"});
    else if (p.published() != 0) {
      auto [it, fresh] = published->emplace(p.published(), pk);
      if (!fresh)
        out->push_back({pk + ".published", "published port "
                                               + std::to_string(p.published())
                                               + " is already used by " + it->second});
    }
    one_of(out, pk + ".protocol", p.protocol(), {"tcp", "udp"});
    if (!p.balance().empty())
      one_of(out, pk + ".balance", p.balance(), {"least-connections", "round-robin"});
    if (!p.proxy_protocol().empty())
      one_of(out, pk + ".proxy_protocol", p.proxy_protocol(), {"v1", "v2"});
  }
}

void check_runtime(issues* out, const std::string& key,
                   const pb::ServiceSpec& s) {
  one_of(out, key + ".driver", s.driver(), {"process", "oci", "sim"});
  if (s.driver() == "oci") {
    if (s.image().empty() && s.rootfs().empty())
      out->push_back({key + ".image", "is required for the oci driver (or set rootfs)"});
    if (!s.image().empty() && !s.rootfs().empty())
      out->push_back({key + ".rootfs", "set either image or rootfs, not both"});
  } else if (s.driver() == "process" || s.driver() == "sim") {
    if (!s.image().empty())
      out->push_back({key + ".image", "is only used by the oci driver"});
    if (!s.rootfs().empty())
      out->push_back({key + ".rootfs", "is only used by the oci driver"});
  }
  // An oci image brings its own ENTRYPOINT/CMD: a command is optional there.
  bool image_command = s.driver() == "oci" && !s.image().empty();
  if (s.command_size() > 0 ? s.command(0).empty() : !image_command)
    out->push_back({key + ".command", "is required (a non-empty array of strings)"});
  no_nul(out, key + ".command", s.command());
  if (s.read_only() && s.driver() != "oci")
    out->push_back({key + ".read_only", "is only used by the oci driver"});
  for (const auto& [k, v] : s.env())
    if (!env_name_ok(k))
      out->push_back({key + ".env." + k.substr(0, k.find('\0')),
                      "is not a valid variable name (use letters, digits and _)"});
    else if (has_nul(v))
      out->push_back({key + ".env." + k, "must not contain a NUL byte"});
  for (const auto& [k, v] : s.labels())
    if (k.empty())
      out->push_back({key + ".labels", "label names must not be empty"});
    else if (has_nul(k) || has_nul(v))
      out->push_back({key + ".labels", "labels must not contain a NUL byte"});
  const std::pair<const char*, const std::string*> strings[] = {
      {"image", &s.image()}, {"rootfs", &s.rootfs()}, {"working_dir", &s.working_dir()}};
  for (auto [name, value] : strings)
    if (has_nul(*value))
      out->push_back({key + "." + name, "must not contain a NUL byte"});
}

std::string count_text(uint64_t n) { return std::to_string(n); }

template <class Strings>
void check_args(issues* out, const std::string& key, const Strings& args,
                const input_limits& limits) {
  uint64_t bytes = 0;
  for (const auto& a : args)
    bytes += a.size();
  if (static_cast<uint64_t>(args.size()) > limits.max_command_args)
    out->push_back({key, "has " + count_text(args.size()) + " arguments; at most "
                             + count_text(limits.max_command_args) + " are allowed"});
  else if (bytes > limits.max_command_bytes)
    out->push_back({key, "is " + count_text(bytes) + " bytes long; at most "
                             + count_text(limits.max_command_bytes) + " are allowed"});
}

void check_sizes(issues* out, const std::string& key, const pb::ServiceSpec& s,
                 const input_limits& limits) {
  if (s.replicas() > limits.max_replicas)
    out->push_back({key + ".replicas", count_text(s.replicas()) + " is above the limit of "
                                           + count_text(limits.max_replicas)
                                           + " replicas per service ([limits] max_replicas)"});
  check_args(out, key + ".command", s.command(), limits);
  if (s.has_health())
    check_args(out, key + ".health.cmd", s.health().cmd(), limits);
  uint64_t env_bytes = 0;
  for (const auto& [k, v] : s.env())
    env_bytes += k.size() + v.size();
  if (static_cast<uint64_t>(s.env_size()) > limits.max_env)
    out->push_back({key + ".env", "has " + count_text(s.env_size())
                                      + " variables; at most "
                                      + count_text(limits.max_env) + " are allowed"});
  else if (env_bytes > limits.max_env_bytes)
    out->push_back({key + ".env", "is " + count_text(env_bytes) + " bytes; at most "
                                      + count_text(limits.max_env_bytes) + " are allowed"});
  if (static_cast<uint64_t>(s.ports_size()) > limits.max_ports)
    out->push_back({key + ".ports", "has " + count_text(s.ports_size())
                                        + " ports; at most "
                                        + count_text(limits.max_ports) + " are allowed"});
  if (static_cast<uint64_t>(s.labels_size()) > limits.max_labels)
    out->push_back({key + ".labels", "has " + count_text(s.labels_size())
                                         + " labels; at most "
                                         + count_text(limits.max_labels) + " are allowed"});
  for (const auto& [k, v] : s.labels())
    if (k.size() + v.size() > limits.max_label_bytes) {
      out->push_back({key + ".labels", "a label is longer than "
                                           + count_text(limits.max_label_bytes) + " bytes"});
      break;
    }
  if (static_cast<uint64_t>(s.constraints_size()) > limits.max_constraints)
    out->push_back({key + ".placement.constraints",
                    "has " + count_text(s.constraints_size()) + " constraints; at most "
                        + count_text(limits.max_constraints) + " are allowed"});
  const std::pair<const char*, const std::string*> strings[] = {
      {"image", &s.image()}, {"rootfs", &s.rootfs()},
      {"working_dir", &s.working_dir()}, {"health.http", &s.health().http()}};
  for (auto [name, value] : strings)
    if (value->size() > limits.max_string_bytes)
      out->push_back({key + "." + name, "is longer than "
                                            + count_text(limits.max_string_bytes) + " bytes"});
}

constexpr int max_volumes = 256;         // per stack
constexpr int max_mounts = 64;           // per service
constexpr int64_t max_tmpfs_bytes = int64_t{1} << 40;

// Why `path` cannot be a mount target or a bind path ("" when it can).
std::string path_problem(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return "must be an absolute path, not " + quoted(path);
  if (path == "/")
    return "must not be / itself";
  if (path.size() > 4096)
    return "is longer than 4096 characters";
  if (("/" + path + "/").find("/../") != std::string::npos)
    return "must not contain .. (" + quoted(path) + ")";
  return "";
}

void check_volumes(issues* out, const pb::StackSpec& stack) {
  if (stack.volumes_size() > max_volumes) {
    out->push_back({"volumes", "a stack has at most " + count_text(max_volumes)
                                   + " volumes, this one " + count_text(stack.volumes_size())});
    return;
  }
  std::set<std::string> names;
  for (const auto& v : stack.volumes()) {
    std::string key = "volumes." + v.name();
    if (!valid_stack_name(v.name()))
      out->push_back({key, "volume name " + quoted(v.name())
                               + " must match [a-z0-9][a-z0-9-]* (at most 32 characters)"});
    if (!names.insert(v.name()).second)
      out->push_back({key, "duplicate volume name " + quoted(v.name())});
    const auto& d = v.driver();
    if (d != "local" && d != "tmpfs" && d != "bind")
      out->push_back({key + ".driver", "must be \"local\", \"tmpfs\" or \"bind\", not "
                                           + quoted(d)});
    if (d == "bind" && v.path().empty())
      out->push_back({key + ".path", "a bind volume needs path = \"/host/path\""});
    else if (d == "bind")
      if (auto why = path_problem(v.path()); !why.empty())
        out->push_back({key + ".path", why});
    if (v.size_bytes() < 0 || v.size_bytes() > max_tmpfs_bytes)
      out->push_back({key + ".size", "must be between 0 and 1TiB"});
  }
}

void check_mounts(issues* out, const std::string& key, const pb::StackSpec& stack,
                  const pb::ServiceSpec& s) {
  if (s.mounts_size() > max_mounts) {
    out->push_back({key + ".mounts", "a service has at most " + count_text(max_mounts)
                                         + " mounts, this one " + count_text(s.mounts_size())});
    return;
  }
  std::set<std::string> targets;
  for (int i = 0; i < s.mounts_size(); ++i) {
    const auto& m = s.mounts(i);
    std::string k = key + ".mounts[" + std::to_string(i) + "]";
    const pb::VolumeSpec* v = nullptr;
    for (const auto& x : stack.volumes())
      if (x.name() == m.volume())
        v = &x;
    if (v == nullptr)
      out->push_back({k + ".volume", "names volume " + quoted(m.volume())
                                         + ", which the stack does not declare under [volumes]"});
    else if (v->driver() == "tmpfs" && s.driver() != "oci")
      out->push_back({k + ".volume", "tmpfs volume " + quoted(m.volume())
                                         + " needs driver = \"oci\": a process task cannot "
                                           "get a tmpfs of its own"});
    if (auto why = path_problem(m.target()); !why.empty())
      out->push_back({k + ".target", why});
    else if (!targets.insert(m.target()).second)
      out->push_back({k + ".target", "two mounts on " + quoted(m.target())});
  }
}

void check_service(issues* out, const pb::StackSpec& stack,
                   const pb::ServiceSpec& s,
                   std::map<uint32_t, std::string>* published,
                   const input_limits& limits) {
  std::string key = "services." + s.short_name();
  check_sizes(out, key, s, limits);
  check_mounts(out, key, stack, s);
  if (!valid_stack_name(s.short_name()))
    out->push_back({key, "service name " + quoted(s.short_name())
                             + " must match [a-z0-9][a-z0-9-]* (at most 32 characters)"});
  if (s.stack() != stack.name())
    out->push_back({key, "belongs to stack " + quoted(s.stack()) + ", not "
                             + quoted(stack.name())});
  if (s.name() != stack.name() + "_" + s.short_name())
    out->push_back({key, "full name must be " + quoted(stack.name() + "_" + s.short_name())
                             + ", got " + quoted(s.name())});
  check_runtime(out, key, s);
  one_of(out, key + ".mode", s.mode(),
         {"replicated", "global", "replicated-job", "global-job"});
  if (s.mode() == "global" && s.replicas() != 0)
    out->push_back({key + ".replicas", "must not be set when mode is \"global\""});
  in_range(out, key + ".stop_grace_period", s.stop_grace_period_ms(), stop_grace_range);
  check_job(out, key, s);
  check_ports(out, key, s, published);
  check_restart(out, key + ".restart", s.restart());
  if (!(s.resources().cpus() >= 0 && s.resources().cpus() <= max_cpus))
    out->push_back({key + ".resources.cpus", "must be a number between 0 and "
                                                 + format_number(max_cpus)
                                                 + " (0 = no reservation)"});
  auto memory = s.resources().memory_bytes();
  if (memory != 0 && (memory < min_memory_bytes || memory > max_memory_bytes))
    out->push_back({key + ".resources.memory",
                    "must be between " + format_size_bytes(min_memory_bytes) + " and "
                        + format_size_bytes(max_memory_bytes) + " (0 = no limit), got "
                        + std::to_string(memory) + " bytes"});
  for (int i = 0; i < s.constraints_size(); ++i) {
    std::string why;
    if (!parse_constraint(s.constraints(i), &why))
      out->push_back({key + ".placement.constraints[" + std::to_string(i) + "]", why});
  }
  check_policy(out, key + ".update", s.update());
  check_policy(out, key + ".rollback", s.rollback());
  if (s.has_health())
    check_health(out, key + ".health", s);
}

} // namespace

bool valid_stack_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name[0] == '-')
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

std::vector<spec_issue> check_stack_spec(const pb::StackSpec& stack,
                                         const input_limits& limits) {
  issues out;
  if (static_cast<uint64_t>(stack.services_size()) > limits.max_services) {
    out.push_back({"services", "a stack has at most " + count_text(limits.max_services)
                                   + " services, this one "
                                   + count_text(stack.services_size())});
    return out;
  }
  if (!valid_stack_name(stack.name()))
    out.push_back({"stack.name", "stack name " + quoted(stack.name())
                                     + " must match [a-z0-9][a-z0-9-]* (at most 32 characters)"});
  if (stack.services_size() == 0)
    out.push_back({"services", "a stack needs at least one service"});
  check_volumes(&out, stack);
  std::set<std::string> names;
  std::map<uint32_t, std::string> published;
  for (const auto& s : stack.services()) {
    if (!names.insert(s.short_name()).second)
      out.push_back({"services." + s.short_name(), "duplicate service name "
                                                       + quoted(s.short_name())});
    check_service(&out, stack, s, &published, limits);
  }
  uint64_t replicas = 0;
  bool each_within = true; // else the per-service error says it already
  for (const auto& s : stack.services()) {
    replicas += s.replicas();
    each_within = each_within && s.replicas() <= limits.max_replicas;
  }
  if (each_within && replicas > limits.max_tasks)
    out.push_back({"services", "the stack asks for " + count_text(replicas)
                                   + " replicas; the cluster runs at most "
                                   + count_text(limits.max_tasks)
                                   + " tasks ([limits] max_tasks)"});
  return out;
}

pb::RestartPolicy default_restart_policy() {
  pb::RestartPolicy r;
  r.set_condition("any");
  r.set_delay_ms(100);  // as Docker's restart backoff: 100ms, doubling
  r.set_max_delay_ms(10000);  // reset after 10s of running (restart_policy)
  return r;
}

pb::UpdatePolicy default_update_policy() {
  pb::UpdatePolicy u;
  u.set_parallelism(1);
  u.set_monitor_ms(5000);
  u.set_failure_action("pause");
  u.set_order("stop-first");
  return u;
}

pb::HealthCheck default_health_check() {
  pb::HealthCheck h;
  h.set_interval_ms(5000);
  h.set_timeout_ms(2000);
  h.set_retries(3);
  return h;
}

} // namespace troupe
