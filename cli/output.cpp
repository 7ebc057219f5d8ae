#include "cli/output.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <google/protobuf/util/json_util.h>

#include <cctype>

namespace troupe::cli {

bool parse_output_format(const std::string& text, output_format* out) {
  if (text == "table") {
    *out = output_format::table;
    return true;
  }
  if (text == "json") {
    *out = output_format::json;
    return true;
  }
  return false;
}

std::string render_table(const table_row& headers,
                         const std::vector<table_row>& rows) {
  std::vector<size_t> widths(headers.size(), 0);
  auto measure = [&](const table_row& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  };
  measure(headers);
  for (const auto& row : rows)
    measure(row);
  std::string out;
  auto emit = [&](const table_row& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < widths.size())
        line += std::string(widths[i] - cell.size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  };
  emit(headers);
  for (const auto& row : rows)
    emit(row);
  return out;
}

std::string format_rfc3339(int64_t unix_ms) {
  if (unix_ms == 0)
    return "";
  int64_t secs = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(millis));
    out += frac;
  }
  return out + "Z";
}

std::string format_age(int64_t age_ms) {
  int64_t s = std::max<int64_t>(age_ms, 0) / 1000;
  if (s < 60)
    return std::to_string(s) + "s";
  if (s < 3600)
    return std::to_string(s / 60) + "m";
  if (s < 48 * 3600)
    return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string task_state_name(pb::TaskState state) {
  std::string name = pb::TaskState_Name(state);
  if (name.empty())
    return "unknown";
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string service_program(const pb::ServiceSpec& spec, size_t max) {
  std::string text;
  if (!spec.image().empty()) {
    text = spec.image();
  } else if (!spec.rootfs().empty()) {
    text = "rootfs:" + spec.rootfs();
  }
  for (const auto& part : spec.command()) {
    if (!text.empty())
      text += " ";
    text += part;
  }
  if (text.size() > max && max > 3)
    text = text.substr(0, max - 3) + "...";
  return text;
}

nlohmann::json task_json(const pb::Task& task) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& [name, port] : task.host_ports())
    ports[name] = port;
  return {{"id", task.id()},
          {"service", task.service()},
          {"slot", task.slot()},
          {"node", task.node()},
          {"desired_state", task_state_name(task.desired_state())},
          {"state", task_state_name(task.state())},
          {"message", task.message()},
          {"pid", task.pid()},
          {"container_id", task.container_id()},
          {"restarts", task.restarts()},
          {"health", task.health()},
          {"started_at", format_rfc3339(task.started_at())},
          {"restart_at", format_rfc3339(task.restart_at())},
          {"host_ports", ports},
          {"exit_code", task.exit_code()},
          {"spec_version", task.spec_version()},
          {"created_at", format_rfc3339(task.created_at())},
          {"updated_at", format_rfc3339(task.updated_at())}};
}

nlohmann::json service_summary_json(const pb::ServiceSummary& summary) {
  const auto& service = summary.service();
  const auto& spec = service.spec();
  return {{"name", spec.name()},
          {"stack", spec.stack()},
          {"mode", spec.mode()},
          {"replicas_desired", summary.replicas_desired()},
          {"replicas_running", summary.replicas_running()},
          {"tasks_updated", summary.tasks_updated()},
          {"tasks_completed", summary.tasks_completed()},
          {"tasks_failed", summary.tasks_failed()},
          {"driver", spec.driver()},
          {"image", spec.image()},
          {"command", spec.command()},
          {"version", service.version()},
          {"spec_version", service.spec_version()}};
}

namespace {

// Protobuf's JSON mapping writes 64-bit integers as strings: numbers
// become numbers again, and int64 fields named *_at (epoch milliseconds)
// RFC 3339 times, throughout nested messages, lists and maps.
void normalize(nlohmann::json& j, const google::protobuf::Descriptor* d);

void normalize_value(nlohmann::json& v, const google::protobuf::FieldDescriptor* f) {
  using FD = google::protobuf::FieldDescriptor;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_MESSAGE:
      if (v.is_object())
        normalize(v, f->message_type());
      return;
    case FD::CPPTYPE_INT64:
      if (v.is_string()) {
        int64_t n = std::stoll(v.get<std::string>());
        if (f->name().size() > 3 && f->name().compare(f->name().size() - 3, 3, "_at") == 0)
          v = format_rfc3339(n);
        else
          v = n;
      }
      return;
    case FD::CPPTYPE_UINT64:
      if (v.is_string())
        v = static_cast<uint64_t>(std::stoull(v.get<std::string>()));
      return;
    default:
      return;
  }
}

void normalize(nlohmann::json& j, const google::protobuf::Descriptor* d) {
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    auto it = j.find(f->name());
    if (it == j.end())
      continue;
    if (f->is_map()) {
      const auto* value_field = f->message_type()->FindFieldByName("value");
      if (it->is_object() && value_field != nullptr)
        for (auto& [k, v] : it->items())
          normalize_value(v, value_field);
    } else if (f->is_repeated()) {
      if (it->is_array())
        for (auto& v : *it)
          normalize_value(v, f);
    } else {
      normalize_value(*it, f);
    }
  }
}

nlohmann::json proto_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok())
    return nlohmann::json::object();
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object())
    normalize(j, message.GetDescriptor());
  return j;
}

/// "process,oci" -> ["process", "oci"].
nlohmann::json split_list(const std::string& joined) {
  auto out = nlohmann::json::array();
  size_t start = 0;
  while (start < joined.size()) {
    auto comma = joined.find(',', start);
    if (comma == std::string::npos)
      comma = joined.size();
    if (comma > start)
      out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

} // namespace

nlohmann::json service_inspect_json(const pb::ServiceSummary& summary) {
  auto out = service_summary_json(summary);
  const auto& service = summary.service();
  out["spec"] = proto_json(service.spec());
  if (service.has_previous_spec())
    out["previous_spec"] = proto_json(service.previous_spec());
  if (service.has_update_status())
    out["update_status"] = proto_json(service.update_status());
  out["created_at"] = format_rfc3339(service.created_at());
  out["updated_at"] = format_rfc3339(service.updated_at());
  return out;
}

nlohmann::json node_summary_json(const pb::NodeSummary& summary) {
  const auto& node = summary.node();
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : node.labels())
    labels[key] = value;
  return {{"name", node.name()},
          {"role", node.role()},
          {"state", node.state()},
          {"availability", node.availability()},
          {"address", node.address()},
          {"tasks", summary.tasks()},
          {"labels", labels},
          {"cpus", node.cpus()},
          {"memory_bytes", node.memory_bytes()},
          {"hostname", node.hostname()},
          {"drivers", split_list(node.drivers())},
          {"images", std::vector<std::string>(node.images().begin(), node.images().end())},
          {"port_min", node.port_min()},
          {"port_max", node.port_max()},
          {"registered_at", format_rfc3339(node.registered_at())},
          {"updated_at", format_rfc3339(node.updated_at())}};
}

nlohmann::json stack_summary_json(const pb::StackSummary& summary) {
  return {{"name", summary.name()},
          {"services", summary.services()},
          {"created_at", format_rfc3339(summary.created_at())},
          {"updated_at", format_rfc3339(summary.updated_at())}};
}

table_row task_headers() {
  return {"ID", "SLOT", "NODE", "DESIRED", "STATE", "HEALTH", "PID", "RESTARTS", "PORTS",
          "MESSAGE"};
}

table_row task_row(const pb::Task& task, int64_t now_ms) {
  std::string state = task_state_name(task.state());
  int64_t since = task.updated_at() != 0 ? task.updated_at() : task.created_at();
  if (task.state() == pb::RUNNING && task.started_at() != 0)
    since = task.started_at();
  if (since != 0)
    state += " " + format_age(now_ms - since);
  if (task.restart_at() != 0 && task.state() <= pb::RUNNING) {
    // Waiting out its restart delay (the worker's report): say so.
    int64_t left = task.restart_at() - now_ms;
    state = left > 0 ? "restarting in " + format_age(left + 999) : "restarting";
  }
  std::vector<std::pair<std::string, uint32_t>> sorted(task.host_ports().begin(),
                                                       task.host_ports().end());
  std::sort(sorted.begin(), sorted.end());
  std::string ports;
  for (const auto& [name, port] : sorted)
    ports += (ports.empty() ? "" : ",") + name + ":" + std::to_string(port);
  return {task.id(),
          task.slot() == 0 ? "-" : std::to_string(task.slot()),
          task.node().empty() ? "-" : task.node(),
          task_state_name(task.desired_state()),
          state,
          task.health().empty() ? "-" : task.health(),
          task.pid() == 0 ? "-" : std::to_string(task.pid()),
          std::to_string(task.restarts()),
          ports.empty() ? "-" : ports,
          task.message()};
}

table_row service_headers() {
  return {"NAME", "MODE", "REPLICAS", "DRIVER", "IMAGE/COMMAND", "VERSION"};
}

table_row service_row(const pb::ServiceSummary& summary) {
  const auto& spec = summary.service().spec();
  bool job = spec.mode() == "replicated-job" || spec.mode() == "global-job";
  return {spec.name(),
          spec.mode(),
          job ? std::to_string(summary.tasks_completed()) + "/" +
                    std::to_string(summary.replicas_desired()) + " completed"
              : std::to_string(summary.replicas_running()) + "/" +
                    std::to_string(summary.replicas_desired()),
          spec.driver(),
          service_program(spec),
          std::to_string(summary.service().version())};
}

table_row node_headers() {
  return {"NAME", "ROLE", "STATE", "AVAILABILITY", "ADDRESS", "TASKS"};
}

table_row node_row(const pb::NodeSummary& summary) {
  const auto& node = summary.node();
  return {node.name(), node.role(), node.state(), node.availability(),
          node.address(), std::to_string(summary.tasks())};
}

table_row stack_headers() { return {"NAME", "SERVICES", "CREATED"}; }

table_row stack_row(const pb::StackSummary& summary, int64_t now_ms) {
  std::string created = summary.created_at() == 0
                            ? "-"
                            : format_age(now_ms - summary.created_at()) + " ago";
  return {summary.name(), std::to_string(summary.services()), created};
}

} // namespace troupe::cli
