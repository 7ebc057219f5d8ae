#include "actors/worker/task_spec.hpp"

#include <cctype>
#include <filesystem>

#include "config/volume_name.hpp"

namespace troupe {

namespace {

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string sanitize_id(const std::string& id) {
  std::string out;
  for (char c : id)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'
               || c == '.'
             ? c
             : '_';
  return out;
}

} // namespace

std::string task_dir(const std::string& tasks_dir, const std::string& task_id) {
  return tasks_dir + "/" + sanitize_id(task_id);
}

std::string volume_dir(const std::string& tasks_dir, const std::string& name) {
  auto slash = tasks_dir.find_last_of('/');
  auto data_dir = slash == std::string::npos ? std::string(".") : tasks_dir.substr(0, slash);
  // Absolute: a process task sees it in TROUPE_VOLUME_<KEY> from its own folder.
  return std::filesystem::absolute(data_dir + "/volumes/" + sanitize_id(name)).string();
}

std::vector<volume_mount> task_mounts(const pb::Task& task, const std::string& tasks_dir) {
  std::vector<volume_mount> out;
  for (const auto& m : task.spec().mounts()) {
    volume_mount v;
    v.target = m.target();
    v.read_only = m.read_only();
    const auto& driver = m.spec().driver();
    if (driver == "tmpfs") {
      v.type = "tmpfs";
      v.size_bytes = m.spec().size_bytes();
    } else if (driver == "bind") {
      v.source = m.spec().path();
    } else {
      v.source = volume_dir(tasks_dir, volume_name(task, m));
      v.create = true;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::map<std::string, std::string> task_environment(const pb::Task& task,
                                                    const std::string& node) {
  const auto& spec = task.spec();
  std::map<std::string, std::string> env(spec.env().begin(), spec.env().end());
  env["TROUPE_TASK_ID"] = task.id();
  env["TROUPE_TASK_SLOT"] = task.slot() > 0 ? std::to_string(task.slot()) : node;
  env["TROUPE_SERVICE"] = spec.name();
  env["TROUPE_STACK"] = spec.stack();
  env["TROUPE_NODE"] = node;
  for (const auto& [name, port] : task.host_ports())
    env["TROUPE_PORT_" + upper(name)] = std::to_string(port);
  for (const auto& [name, addr] : task.service_addrs())  // TROUPE_SERVICE_<NAME>_ADDR
    env[name] = addr;
  return env;
}

std::string substitute(const std::string& text,
                       const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      auto end = text.find('}', i + 2);
      if (end != std::string::npos) {
        auto found = env.find(text.substr(i + 2, end - i - 2));
        if (found != env.end())
          out += found->second;
        i = end;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

container_spec make_container_spec(const pb::Task& task, uint32_t restarts,
                                   const std::string& node,
                                   const std::string& tasks_dir) {
  const auto& spec = task.spec();
  container_spec c;
  c.id = sanitize_id(task.id() + "-" + std::to_string(restarts));
  c.image = spec.image();
  c.rootfs = spec.rootfs();
  c.env = task_environment(task, node);
  for (const auto& arg : spec.command())
    c.command.push_back(substitute(arg, c.env));
  c.working_dir = spec.working_dir();
  c.task_dir = task_dir(tasks_dir, task.id());
  c.stdout_path = c.task_dir + "/stdout.log";
  c.stderr_path = c.task_dir + "/stderr.log";
  c.cpus = spec.resources().cpus();
  c.memory_bytes = spec.resources().memory_bytes();
  c.read_only = spec.read_only();
  c.mounts = task_mounts(task, tasks_dir);
  if (spec.driver() != "oci")  // a process task finds its volumes by name
    for (int i = 0; i < spec.mounts_size(); ++i)
      if (!c.mounts[i].source.empty())
        c.env[volume_env_name(spec.mounts(i).volume())] = c.mounts[i].source;
  return c;
}

} // namespace troupe
