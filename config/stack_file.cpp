#include "config/stack_file.hpp"

#include <set>

#include "config/service_mode.hpp"
#include "config/stack_rules.hpp"
#include "config/toml_reader.hpp"

namespace troupe {
namespace {

// A replicated-job runs 1 task at a time and needs as many completions as it
// may run at once, unless told otherwise (as Docker Swarm does).
void fill_job_defaults(pb::ServiceSpec* s) {
  if (s->mode() != "replicated-job")
    return;
  if (s->max_concurrent() == 0)
    s->set_max_concurrent(1);
  if (s->completions() == 0)
    s->set_completions(s->max_concurrent());
}

void read_restart(toml_reader& r, const toml::table& svc, const std::string& path,
                  pb::RestartPolicy* p) {
  const toml::table* t = r.table(svc, path, "restart");
  if (!t)
    return;
  std::string k = toml_reader::join(path, "restart");
  r.check_keys(*t, k, {"condition", "delay", "max_delay", "max_attempts", "window"});
  if (auto v = r.string(*t, k, "condition")) p->set_condition(*v);
  if (auto v = r.duration(*t, k, "delay")) p->set_delay_ms(*v);
  if (auto v = r.duration(*t, k, "max_delay")) p->set_max_delay_ms(*v);
  if (auto v = r.count(*t, k, "max_attempts")) p->set_max_attempts(*v);
  if (auto v = r.duration(*t, k, "window")) p->set_window_ms(*v);
}

void read_policy(toml_reader& r, const toml::table& svc, const std::string& path,
                 std::string_view name, pb::UpdatePolicy* p) {
  const toml::table* t = r.table(svc, path, name);
  if (!t)
    return;
  std::string k = toml_reader::join(path, name);
  r.check_keys(*t, k, {"parallelism", "delay", "monitor", "failure_action",
                       "max_failure_ratio", "order"});
  if (auto v = r.count(*t, k, "parallelism")) p->set_parallelism(*v);
  if (auto v = r.duration(*t, k, "delay")) p->set_delay_ms(*v);
  if (auto v = r.duration(*t, k, "monitor")) p->set_monitor_ms(*v);
  if (auto v = r.string(*t, k, "failure_action")) p->set_failure_action(*v);
  if (auto v = r.number(*t, k, "max_failure_ratio")) p->set_max_failure_ratio(*v);
  if (auto v = r.string(*t, k, "order")) p->set_order(*v);
}

void read_health(toml_reader& r, const toml::table& svc, const std::string& path,
                 pb::ServiceSpec* s) {
  const toml::table* t = r.table(svc, path, "health");
  if (!t)
    return;
  std::string k = toml_reader::join(path, "health");
  r.check_keys(*t, k, {"cmd", "tcp", "http", "interval", "timeout", "retries",
                       "start_period"});
  pb::HealthCheck* h = s->mutable_health();
  *h = default_health_check();
  if (auto v = r.strings(*t, k, "cmd"))
    for (auto& c : *v) h->add_cmd(c);
  if (auto v = r.boolean(*t, k, "tcp")) h->set_tcp(*v);
  if (auto v = r.string(*t, k, "http")) h->set_http(*v);
  if (auto v = r.duration(*t, k, "interval")) h->set_interval_ms(*v);
  if (auto v = r.duration(*t, k, "timeout")) h->set_timeout_ms(*v);
  if (auto v = r.count(*t, k, "retries")) h->set_retries(*v);
  if (auto v = r.duration(*t, k, "start_period")) h->set_start_period_ms(*v);
}

void read_resources_and_placement(toml_reader& r, const toml::table& svc,
                                  const std::string& path, pb::ServiceSpec* s) {
  if (const toml::table* t = r.table(svc, path, "resources")) {
    std::string k = toml_reader::join(path, "resources");
    r.check_keys(*t, k, {"cpus", "memory"});
    if (auto v = r.number(*t, k, "cpus")) s->mutable_resources()->set_cpus(*v);
    if (auto v = r.size(*t, k, "memory"))
      s->mutable_resources()->set_memory_bytes(*v);
  }
  if (const toml::table* t = r.table(svc, path, "placement")) {
    std::string k = toml_reader::join(path, "placement");
    r.check_keys(*t, k, {"constraints"});
    if (auto v = r.strings(*t, k, "constraints"))
      for (auto& c : *v) s->add_constraints(c);
  }
}

void read_ports(toml_reader& r, const toml::table& svc, const std::string& path,
                pb::ServiceSpec* s) {
  const toml::array* a = r.array(svc, path, "ports");
  if (!a)
    return;
  for (size_t i = 0; i < a->size(); ++i) {
    std::string k = toml_reader::join(path, "ports") + "[" + std::to_string(i) + "]";
    pb::PortSpec* p = s->add_ports();
    p->set_protocol("tcp");
    const toml::table* t = a->get(i)->as_table();
    if (!t) {
      r.wrong_type(*a->get(i), k, "a table such as { name = \"http\", target = 8080 }");
      continue;
    }
    r.check_keys(*t, k, {"name", "target", "published", "protocol", "balance",
                         "proxy_protocol"});
    if (auto v = r.string(*t, k, "name")) p->set_name(*v);
    else if (!t->contains("name")) r.missing(*t, k, "name");
    if (auto v = r.count(*t, k, "target")) p->set_target(*v);
    else if (!t->contains("target")) r.missing(*t, k, "target");
    if (auto v = r.count(*t, k, "published")) p->set_published(*v);
    if (auto v = r.string(*t, k, "protocol")) p->set_protocol(*v);
    if (auto v = r.string(*t, k, "balance")) p->set_balance(*v);
    if (auto v = r.string(*t, k, "proxy_protocol")) p->set_proxy_protocol(*v);
  }
}

void read_mounts(toml_reader& r, const toml::table& svc, const std::string& path,
                 pb::ServiceSpec* s) {
  const toml::array* a = r.array(svc, path, "mounts");
  if (!a)
    return;
  for (size_t i = 0; i < a->size(); ++i) {
    std::string k = toml_reader::join(path, "mounts") + "[" + std::to_string(i) + "]";
    pb::Mount* m = s->add_mounts();
    const toml::table* t = a->get(i)->as_table();
    if (!t) {
      r.wrong_type(*a->get(i), k, "a table such as { volume = \"data\", target = \"/data\" }");
      continue;
    }
    r.check_keys(*t, k, {"volume", "target", "read_only"});
    if (auto v = r.string(*t, k, "volume")) m->set_volume(*v);
    else if (!t->contains("volume")) r.missing(*t, k, "volume");
    if (auto v = r.string(*t, k, "target")) m->set_target(*v);
    else if (!t->contains("target")) r.missing(*t, k, "target");
    if (auto v = r.boolean(*t, k, "read_only")) m->set_read_only(*v);
  }
}

void read_volumes(toml_reader& r, const toml::table& root, pb::StackSpec* stack) {
  const toml::table* volumes = r.table(root, "", "volumes");
  if (!volumes)
    return;
  for (auto&& [key, node] : *volumes) {
    std::string path = "volumes." + std::string(key.str());
    pb::VolumeSpec* v = stack->add_volumes();
    v->set_name(std::string(key.str()));
    v->set_driver("local");
    const toml::table* t = node.as_table();
    if (!t) {
      r.wrong_type(node, path, "a table such as { driver = \"local\" }");
      continue;
    }
    r.check_keys(*t, path, {"driver", "size", "path", "per_slot", "pin"});
    if (auto x = r.string(*t, path, "driver")) v->set_driver(*x);
    if (auto x = r.size(*t, path, "size")) v->set_size_bytes(*x);
    if (auto x = r.string(*t, path, "path")) v->set_path(*x);
    if (auto x = r.boolean(*t, path, "per_slot")) v->set_per_slot(*x);
    if (auto x = r.boolean(*t, path, "pin")) v->set_unpinned(!*x);
    for (const char* only : {"size", "path", "per_slot", "pin"}) {
      std::string want = std::string(only) == "size" ? "tmpfs"
                         : std::string(only) == "path" ? "bind" : "local";
      if (t->contains(only) && v->driver() != want)
        r.error(*t->get(only), path + "." + only,
                "is only for driver = \"" + want + "\" volumes");
    }
  }
}

void read_basics(toml_reader& r, const toml::table& t, const std::string& path,
                 pb::ServiceSpec* s) {
  if (auto v = r.string(t, path, "driver")) s->set_driver(*v);
  if (auto v = r.string(t, path, "image")) s->set_image(*v);
  if (auto v = r.string(t, path, "rootfs")) s->set_rootfs(*v);
  if (auto v = r.strings(t, path, "command"))
    for (auto& c : *v) s->add_command(c);
  if (auto v = r.string(t, path, "working_dir")) s->set_working_dir(*v);
  if (auto v = r.boolean(t, path, "read_only")) s->set_read_only(*v);
  if (auto v = r.string(t, path, "mode")) s->set_mode(*v);
  if (auto v = r.count(t, path, "replicas")) {
    s->set_replicas(*v);
    if (s->mode() == "global")
      r.error(*t.get("replicas"), path + ".replicas",
              "must not be set when mode is \"global\"");
  } else if (s->mode() != "replicated") {
    s->set_replicas(0);
  }
  if (auto v = r.count(t, path, "completions")) s->set_completions(*v);
  if (auto v = r.count(t, path, "max_concurrent")) s->set_max_concurrent(*v);
  fill_job_defaults(s);
  if (auto v = r.string_map(t, path, "env"))
    for (auto& [k, val] : *v) (*s->mutable_env())[k] = val;
  if (auto v = r.string_map(t, path, "labels"))
    for (auto& [k, val] : *v) (*s->mutable_labels())[k] = val;
  if (auto v = r.duration(t, path, "stop_grace_period"))
    s->set_stop_grace_period_ms(*v);
}

void read_service(toml_reader& r, const toml::table& t, const std::string& path,
                  pb::ServiceSpec* s) {
  r.check_keys(t, path, {"driver", "image", "rootfs", "command", "working_dir",
                         "read_only", "replicas", "mode", "completions", "max_concurrent",
                         "env", "labels", "ports",
                         "stop_grace_period", "restart", "resources",
                         "placement", "update", "rollback", "health", "mounts"});
  s->set_driver("process");
  s->set_mode("replicated");
  s->set_replicas(1);
  s->set_stop_grace_period_ms(10000);
  *s->mutable_restart() = default_restart_policy();
  *s->mutable_update() = default_update_policy();
  *s->mutable_rollback() = default_update_policy();
  s->mutable_resources();
  read_basics(r, t, path, s);
  read_ports(r, t, path, s);
  read_mounts(r, t, path, s);
  if (is_job_mode(*s)) // a job's tasks run to completion: restart on failure only
    s->mutable_restart()->set_condition("on-failure");
  read_restart(r, t, path, s->mutable_restart());
  read_resources_and_placement(r, t, path, s);
  read_policy(r, t, path, "update", s->mutable_update());
  read_policy(r, t, path, "rollback", s->mutable_rollback());
  read_health(r, t, path, s);
}

// The position of `key`, or of its closest ancestor present in the file.
toml::source_region position_of(
    std::string key, const std::map<std::string, toml::source_region>& index) {
  while (true) {
    auto it = index.find(key);
    if (it != index.end() && it->second.begin.line > 0)
      return it->second;
    size_t cut = key.find_last_of(".[");
    if (cut == std::string::npos)
      break;
    key.resize(cut);
  }
  auto root = index.find("");
  return root != index.end() ? root->second : toml::source_region{};
}

void read_stack(toml_reader& r, const toml::table& root, pb::StackSpec* stack) {
  r.check_keys(root, "", {"stack", "services", "volumes"});
  if (const toml::table* st = r.table(root, "", "stack")) {
    r.check_keys(*st, "stack", {"name"});
    if (auto v = r.string(*st, "stack", "name")) stack->set_name(*v);
    else if (!st->contains("name")) r.missing(*st, "stack", "name");
  } else if (!root.contains("stack")) {
    r.error(root, "stack", "is required (a [stack] table with name = \"...\")");
  }
  read_volumes(r, root, stack);
  const toml::table* services = r.table(root, "", "services");
  if (!services)
    return;
  for (auto&& [key, node] : *services) {
    std::string path = "services." + std::string(key.str());
    pb::ServiceSpec* s = stack->add_services();
    s->set_short_name(std::string(key.str()));
    s->set_stack(stack->name());
    s->set_name(stack->name() + "_" + s->short_name());
    if (const toml::table* t = node.as_table())
      read_service(r, *t, path, s);
    else
      r.wrong_type(node, path, "a table");
  }
}

/// Whether `text` reads like YAML (a docker-compose file): its first line
/// that is not blank or a comment is `key:` with no `=` or `[`.
bool looks_like_yaml(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    auto line = text.substr(start, end == std::string_view::npos ? text.size() - start
                                                                 : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#')
      continue;
    if (line.substr(first, 3) == "---")
      return true;
    auto colon = line.find(':');
    return colon != std::string_view::npos && line.find('=') == std::string_view::npos
           && line[first] != '[' && line[first] != '"';
  }
  return false;
}

} // namespace

stack_load_result parse_stack(std::string_view text, const std::string& source) {
  stack_load_result out;
  auto root = parse_toml(text, source, &out.errors);
  if (!root && looks_like_yaml(text)) {
    config_error e;
    e.file = source;
    e.message = "this looks like a YAML file (docker-compose?); troupe reads TOML stack "
                "files ([stack] name = \"...\", [services.NAME] ...): see docs/config.md";
    out.errors.assign(1, std::move(e));
    return out;
  }
  if (!root)
    return out;
  toml_reader r(source, &out.errors);
  read_stack(r, *root, &out.stack);
  resolve_mounts(&out.stack);
  out.stack.set_source(source);
  auto index = index_positions(*root);
  // Skip what was already reported where it was read; decide for every issue
  // before adding any, so one issue (a bad service name) hides no other.
  std::vector<spec_issue> fresh;
  for (auto& issue : check_stack_spec(out.stack))
    if (!r.failed(issue.key))
      fresh.push_back(std::move(issue));
  for (auto& issue : fresh)
    r.error(position_of(issue.key, index), issue.key, issue.message);
  sort_by_position(&out.errors);
  return out;
}

stack_load_result load_stack_file(const std::string& path) {
  std::string why;
  auto text = read_text_file(path, &why, max_stack_file_bytes);
  if (!text) {
    stack_load_result out;
    config_error e;
    e.file = path;
    e.message = "cannot read stack file " + path + ": " + why;
    out.errors.push_back(std::move(e));
    return out;
  }
  return parse_stack(*text, path);
}

std::vector<std::string> validate_stack_spec(const pb::StackSpec& stack,
                                             const input_limits& limits) {
  std::vector<std::string> out;
  for (auto& issue : check_stack_spec(stack, limits))
    out.push_back(issue.key + ": " + issue.message);
  return out;
}

void resolve_mounts(pb::StackSpec* stack) {
  for (auto& v : *stack->mutable_volumes())
    if (v.driver().empty())
      v.set_driver("local");
  for (auto& s : *stack->mutable_services())
    for (auto& m : *s.mutable_mounts())
      for (const auto& v : stack->volumes())
        if (v.name() == m.volume())
          *m.mutable_spec() = v;
}

void declare_mounted_volumes(pb::StackSpec* stack) {
  std::set<std::string> declared;
  for (const auto& v : stack->volumes())
    declared.insert(v.name());
  for (const auto& s : stack->services())
    for (const auto& m : s.mounts())
      if (!m.spec().name().empty() && declared.insert(m.spec().name()).second)
        *stack->add_volumes() = m.spec();
}

void fill_stack_defaults(pb::StackSpec* stack) {
  resolve_mounts(stack);
  auto fill = [](std::string* field, const char* value) {
    if (field->empty()) *field = value;
  };
  auto fill_policy = [&](pb::UpdatePolicy* p) {
    fill(p->mutable_failure_action(), "pause");
    fill(p->mutable_order(), "stop-first");
  };
  for (auto& s : *stack->mutable_services()) {
    fill(s.mutable_driver(), "process");
    fill(s.mutable_mode(), "replicated");
    for (auto& p : *s.mutable_ports()) fill(p.mutable_protocol(), "tcp");
    if (!s.has_restart()) *s.mutable_restart() = default_restart_policy();
    if (is_job_mode(s) && !s.has_restart())
      s.mutable_restart()->set_condition("on-failure");
    fill(s.mutable_restart()->mutable_condition(),
         is_job_mode(s) ? "on-failure" : "any");
    fill_job_defaults(&s);
    if (!s.has_update()) *s.mutable_update() = default_update_policy();
    if (!s.has_rollback()) *s.mutable_rollback() = default_update_policy();
    fill_policy(s.mutable_update());
    fill_policy(s.mutable_rollback());
  }
}

} // namespace troupe
