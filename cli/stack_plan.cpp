#include "cli/stack_plan.hpp"

#include <algorithm>
#include <map>

#include <google/protobuf/util/json_util.h>

namespace troupe::cli {

namespace {

// The spec as JSON with proto field names; unset fields are left out.
nlohmann::json spec_json(const pb::ServiceSpec& spec) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(spec, &text, options).ok())
    return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json::object() : parsed;
}

// {"a": {"b": 1}, "c": [1]} -> {"a.b": "1", "c": "[1]"}: objects (messages,
// maps) flattened, everything else compared as a whole.
void flatten(const nlohmann::json& value, const std::string& prefix,
             std::map<std::string, std::string>* out) {
  if (value.is_object() && !value.empty()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  if (!prefix.empty())
    (*out)[prefix] = value.dump();
}

// Identity, not content: the names follow from the stack and the key.
bool identity_key(const std::string& key) {
  return key == "name" || key == "stack" || key == "short_name";
}

std::string full_name(const pb::StackSpec& stack, const pb::ServiceSpec& spec) {
  return spec.name().empty() ? stack.name() + "_" + spec.short_name() : spec.name();
}

std::string count(uint32_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

} // namespace

std::vector<key_change> spec_diff(const pb::ServiceSpec& before,
                                  const pb::ServiceSpec& after) {
  std::map<std::string, std::string> a, b;
  flatten(spec_json(before), "", &a);
  flatten(spec_json(after), "", &b);
  std::vector<key_change> out;
  for (const auto& [key, value] : a) {
    if (identity_key(key))
      continue;
    auto i = b.find(key);
    if (i == b.end())
      out.push_back({key, value, ""});
    else if (i->second != value)
      out.push_back({key, value, i->second});
  }
  for (const auto& [key, value] : b)
    if (!identity_key(key) && a.count(key) == 0)
      out.push_back({key, "", value});
  std::sort(out.begin(), out.end(),
            [](const key_change& x, const key_change& y) { return x.key < y.key; });
  return out;
}

stack_plan plan_stack(const pb::StackSpec& desired,
                      const std::vector<pb::ServiceSpec>& current,
                      const std::vector<pb::Task>& live_tasks, uint64_t index) {
  stack_plan plan;
  plan.stack = desired.name();
  plan.index = index;
  std::map<std::string, uint32_t> live;
  for (const auto& t : live_tasks)
    ++live[t.service()];
  std::map<std::string, const pb::ServiceSpec*> now, next;
  for (const auto& spec : current)
    now[spec.name()] = &spec;
  for (const auto& spec : desired.services())
    next[full_name(desired, spec)] = &spec;
  for (const auto& [name, spec] : next) {
    service_plan s;
    s.name = name;
    s.replicas_after = spec->replicas();
    auto i = now.find(name);
    if (i == now.end()) {
      s.action = plan_action::add;
      plan.services.push_back(std::move(s));
      continue;
    }
    s.replicas_before = i->second->replicas();
    s.keys = spec_diff(*i->second, *spec);
    if (s.keys.empty())
      continue;
    s.replaces_tasks = std::any_of(s.keys.begin(), s.keys.end(),
                                   [](const key_change& k) { return k.key != "replicas"; });
    s.tasks_replaced = s.replaces_tasks ? live[name] : 0;
    plan.services.push_back(std::move(s));
  }
  for (const auto& [name, spec] : now)
    if (next.count(name) == 0) {
      service_plan s;
      s.name = name;
      s.action = plan_action::remove;
      s.replicas_before = spec->replicas();
      s.tasks_stopped = live[name];
      plan.services.push_back(std::move(s));
    }
  std::sort(plan.services.begin(), plan.services.end(),
            [](const service_plan& a, const service_plan& b) { return a.name < b.name; });
  return plan;
}

std::string plan_text(const stack_plan& plan) {
  uint32_t added = 0, changed = 0, removed = 0, replaced = 0;
  for (const auto& s : plan.services) {
    added += s.action == plan_action::add;
    changed += s.action == plan_action::change;
    removed += s.action == plan_action::remove;
    replaced += s.tasks_replaced;
  }
  std::string out = "stack " + plan.stack + " (index " + std::to_string(plan.index) + "): ";
  if (!plan.has_changes())
    return out + "no changes\n";
  out += std::to_string(added) + " to add, " + std::to_string(changed) + " to change, "
         + std::to_string(removed) + " to remove; "
         + count(replaced, "task replaced", "tasks replaced") + "\n";
  for (const auto& s : plan.services) {
    switch (s.action) {
      case plan_action::add:
        out += "+ " + s.name + " (new, " + count(s.replicas_after, "replica", "replicas")
               + ")\n";
        break;
      case plan_action::remove:
        out += "- " + s.name + " (removed, "
               + count(s.tasks_stopped, "task stops", "tasks stop") + ")\n";
        break;
      case plan_action::change:
        out += "~ " + s.name + "\n";
        for (const auto& k : s.keys)
          out += "    " + k.key + ": " + (k.before.empty() ? "(unset)" : k.before) + " -> "
                 + (k.after.empty() ? "(unset)" : k.after) + "\n";
        if (s.replaces_tasks)
          out += "    " + count(s.tasks_replaced, "task", "tasks")
                 + " replaced under the update policy\n";
        else if (s.replicas_before != s.replicas_after)
          out += "    scaled only: no task replaced\n";
        break;
    }
  }
  return out;
}

nlohmann::json plan_json(const stack_plan& plan) {
  auto services = nlohmann::json::array();
  for (const auto& s : plan.services) {
    nlohmann::json j{{"name", s.name},
                     {"action", s.action == plan_action::add      ? "add"
                                : s.action == plan_action::remove ? "remove"
                                                                  : "change"},
                     {"replicas_before", s.replicas_before},
                     {"replicas_after", s.replicas_after},
                     {"tasks_replaced", s.tasks_replaced},
                     {"tasks_stopped", s.tasks_stopped}};
    auto keys = nlohmann::json::array();
    for (const auto& k : s.keys)
      keys.push_back({{"key", k.key}, {"before", k.before}, {"after", k.after}});
    j["keys"] = keys;
    services.push_back(j);
  }
  return {{"stack", plan.stack},
          {"index", plan.index},
          {"changes", plan.has_changes()},
          {"services", services}};
}

} // namespace troupe::cli
