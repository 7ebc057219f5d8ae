#include "cli/inspect_view.hpp"
#include "cli/update_wait.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/endpoints_view.hpp"
#include "cli/output.hpp"
#include "config/units.hpp"

namespace troupe::cli {

namespace {

using fact_list = std::vector<std::pair<std::string, std::string>>;

std::string render_facts(const fact_list& facts) {
  size_t width = 0;
  for (const auto& [label, value] : facts)
    width = std::max(width, label.size());
  std::string out;
  for (const auto& [label, value] : facts) {
    if (value.empty())
      continue;
    out += label + ":" + std::string(width - label.size() + 2, ' ') + value + "\n";
  }
  return out;
}

// Lines joined with "; " (no final newline).
std::string one_line(std::string text) {
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  for (size_t i = text.find('\n'); i != std::string::npos; i = text.find('\n', i))
    text.replace(i, 1, "; ");
  return text;
}

template <class Map>
std::string join_map(const Map& map, const std::string& sep) {
  std::map<std::string, std::string> sorted(map.begin(), map.end());
  std::string out;
  for (const auto& [key, value] : sorted)
    out += (out.empty() ? "" : ", ") + key + sep + value;
  return out;
}

std::string when(int64_t unix_ms, int64_t now_ms) {
  if (unix_ms == 0)
    return "";
  return format_rfc3339(unix_ms) + " (" + format_age(now_ms - unix_ms) + " ago)";
}

std::string ports_text(const pb::ServiceSpec& spec) {
  std::string out;
  for (const auto& port : spec.ports()) {
    std::string one = port.name() + " " + std::to_string(port.target());
    if (port.published() != 0)
      one += " published on " + std::to_string(port.published());
    one += "/" + (port.protocol().empty() ? std::string("tcp") : port.protocol());
    out += (out.empty() ? "" : ", ") + one;
  }
  return out;
}

std::string restart_text(const pb::RestartPolicy& r) {
  if (r.condition().empty())
    return "";
  return r.condition() + ", delay " + format_duration_ms(r.delay_ms()) +
         ", max delay " + format_duration_ms(r.max_delay_ms()) + ", attempts " +
         (r.max_attempts() == 0 ? std::string("unlimited")
                                : std::to_string(r.max_attempts()));
}

std::string update_text(const pb::UpdatePolicy& u) {
  if (u.failure_action().empty() && u.order().empty())
    return "";
  return "parallelism " + std::to_string(u.parallelism()) + ", delay " +
         format_duration_ms(u.delay_ms()) + ", monitor " +
         format_duration_ms(u.monitor_ms()) + ", on failure " + u.failure_action() +
         ", " + u.order();
}

std::string resources_text(const pb::Resources& r) {
  std::ostringstream out;
  if (r.cpus() > 0)
    out << "cpus " << r.cpus();
  if (r.memory_bytes() > 0)
    out << (r.cpus() > 0 ? ", " : "") << "memory " << format_size_bytes(r.memory_bytes());
  return out.str();
}

std::string health_text(const pb::HealthCheck& h) {
  std::string check;
  if (h.cmd_size() > 0) {
    for (const auto& part : h.cmd())
      check += (check.empty() ? "exec " : " ") + part;
  } else if (!h.http().empty()) {
    check = "http GET " + h.http();
  } else if (h.tcp()) {
    check = "tcp connect";
  } else {
    return "";
  }
  return check + ", every " + format_duration_ms(h.interval_ms()) + ", timeout " +
         format_duration_ms(h.timeout_ms()) + ", retries " + std::to_string(h.retries());
}

} // namespace

std::string service_inspect_text(const pb::ServiceSummary& summary, int64_t now_ms) {
  const auto& service = summary.service();
  const auto& spec = service.spec();
  std::string command;
  for (const auto& part : spec.command())
    command += (command.empty() ? "" : " ") + part;
  std::string replicas = std::to_string(summary.replicas_running()) + "/" +
                         std::to_string(summary.replicas_desired()) + " running, " +
                         std::to_string(summary.tasks_updated()) + " on the current spec";
  std::string constraints;
  for (const auto& c : spec.constraints())
    constraints += (constraints.empty() ? "" : ", ") + c;
  return render_facts({
      {"Name", spec.name()},
      {"Stack", spec.stack()},
      {"Mode", spec.mode()},
      {"Replicas", replicas},
      {"Driver", spec.driver()},
      {"Image", spec.image()},
      {"Rootfs", spec.rootfs()},
      {"Command", command},
      {"Working dir", spec.working_dir()},
      {"Env", join_map(spec.env(), "=")},
      {"Ports", ports_text(spec)},
      {"Resources", resources_text(spec.resources())},
      {"Constraints", constraints},
      {"Restart", restart_text(spec.restart())},
      {"Update", update_text(spec.update())},
      {"Rollback", update_text(spec.rollback())},
      {"Health", health_text(spec.health())},
      {"Stop grace", spec.stop_grace_period_ms() > 0
                         ? format_duration_ms(spec.stop_grace_period_ms()) : ""},
      {"Labels", join_map(spec.labels(), "=")},
      {"Version", std::to_string(service.version()) + " (spec " +
                      std::to_string(service.spec_version()) + ")"},
      {"Update status", update_status_text(service.update_status(), now_ms)},
      {"Port errors", one_line(port_errors_text(service))},
      {"Created", when(service.created_at(), now_ms)},
      {"Updated", when(service.updated_at(), now_ms)},
  });
}

std::string node_inspect_text(const pb::NodeSummary& summary, int64_t now_ms) {
  const auto& node = summary.node();
  std::ostringstream cpus;
  cpus << node.cpus();
  std::string images;
  for (const auto& i : node.images())
    images += (images.empty() ? "" : ", ") + i;
  std::string ports;
  if (node.port_max() != 0)
    ports = std::to_string(node.port_min()) + "-" + std::to_string(node.port_max());
  return render_facts({
      {"Name", node.name()},
      {"Role", node.role()},
      {"State", node.state()},
      {"Availability", node.availability()},
      {"Address", node.address()},
      {"Hostname", node.hostname()},
      {"Tasks", std::to_string(summary.tasks())},
      {"CPUs", cpus.str()},
      {"Memory", node.memory_bytes() > 0 ? format_size_bytes(node.memory_bytes()) : ""},
      {"Drivers", node.drivers()},
      {"Images", images},
      {"Port range", ports},
      {"Labels", join_map(node.labels(), "=")},
      {"Registered", when(node.registered_at(), now_ms)},
      {"Updated", when(node.updated_at(), now_ms)},
  });
}

} // namespace troupe::cli
