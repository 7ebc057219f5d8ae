#include "cli/task_filter.hpp"

#include "cli/output.hpp"

namespace troupe::cli {

namespace {

bool known_state(const std::string& name) {
  for (int s = pb::TaskState_MIN; s <= pb::TaskState_MAX; ++s)
    if (pb::TaskState_IsValid(s) && task_state_name(static_cast<pb::TaskState>(s)) == name)
      return true;
  return false;
}

std::string state_names() {
  std::string out;
  for (int s = pb::TaskState_MIN; s <= pb::TaskState_MAX; ++s)
    if (pb::TaskState_IsValid(s))
      out += (out.empty() ? "" : ", ") + task_state_name(static_cast<pb::TaskState>(s));
  return out;
}

} // namespace

bool parse_task_filters(const std::vector<std::string>& args, task_filter* out,
                        std::string* error) {
  *out = {};
  if (args.size() > max_filters) {
    *error = "more than " + std::to_string(max_filters) + " --filter flags";
    return false;
  }
  for (const auto& arg : args) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq + 1 == arg.size()) {
      *error = "invalid --filter \"" + arg
               + "\": expected KEY=VALUE with KEY desired-state, state or node";
      return false;
    }
    auto key = arg.substr(0, eq), value = arg.substr(eq + 1);
    if (key == "node") {
      out->node.insert(value);
      continue;
    }
    if (key != "desired-state" && key != "state") {
      *error = "unknown --filter key \"" + key + "\": expected desired-state, state or node";
      return false;
    }
    if (!known_state(value)) {
      *error = "invalid --filter " + key + " \"" + value + "\": expected one of "
               + state_names();
      return false;
    }
    (key == "state" ? out->state : out->desired).insert(value);
  }
  return true;
}

bool task_matches(const task_filter& f, const pb::Task& t) {
  if (!f.desired.empty() && f.desired.count(task_state_name(t.desired_state())) == 0)
    return false;
  if (!f.state.empty() && f.state.count(task_state_name(t.state())) == 0)
    return false;
  return f.node.empty() || f.node.count(t.node()) > 0;
}

std::string truncated(const std::string& text, std::size_t width) {
  if (text.size() <= width || width < 4)
    return text;
  return text.substr(0, width - 3) + "...";
}

} // namespace troupe::cli
