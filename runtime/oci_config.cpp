#include "runtime/oci_config.hpp"

#include <cctype>

namespace troupe {

using nlohmann::json;

std::string short_hostname(const std::string& id) {
  std::string out;
  for (char ch : id) {
    if (out.size() == 12)
      break;
    out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '-';
  }
  return out.empty() ? "container" : out;
}

namespace {

/// The image's ENV (as umoci put it in the config) with the spec's env over
/// it, in the image's order, then the spec's new keys; PATH by default.
json env_json(const json& image_env, const container_spec& spec) {
  json env = json::array();
  bool has_path = spec.env.count("PATH") > 0;
  if (image_env.is_array()) {
    for (auto& e : image_env) {
      if (!e.is_string())
        continue;
      auto text = e.get<std::string>();
      auto key = text.substr(0, text.find('='));
      if (spec.env.count(key) > 0)
        continue;
      has_path = has_path || key == "PATH";
      env.push_back(text);
    }
  }
  for (auto& [k, v] : spec.env)
    env.push_back(k + "=" + v);
  if (!has_path)
    env.push_back(std::string("PATH=") + container_default_path);
  return env;
}

void apply_resources(json& linux_cfg, const container_spec& spec) {
  json& res = linux_cfg["resources"];
  if (!res.is_object())
    res = json::object();
  if (spec.memory_bytes > 0)
    res["memory"]["limit"] = spec.memory_bytes;
  if (spec.cpus > 0) {
    res["cpu"]["period"] = 100000;
    res["cpu"]["quota"] = static_cast<int64_t>(spec.cpus * 100000);
  }
}

// The spec's volumes after the image's own mounts; one on a target the
// image's config already mounts replaces it.
void add_mounts(json& config, const container_spec& spec) {
  json& mounts = config["mounts"];
  if (!mounts.is_array())
    mounts = json::array();
  for (const auto& m : spec.mounts) {
    json kept = json::array();
    for (auto& old : mounts)
      if (old.value("destination", "") != m.target)
        kept.push_back(old);
    mounts = kept;
    json entry;
    entry["destination"] = m.target;
    if (m.type == "tmpfs") {
      entry["type"] = "tmpfs";
      entry["source"] = "tmpfs";
      entry["options"] = {"nosuid", "nodev", "mode=1777"};
      if (m.size_bytes > 0)
        entry["options"].push_back("size=" + std::to_string(m.size_bytes));
    } else {
      entry["type"] = "bind";
      entry["source"] = m.source;
      entry["options"] = {"rbind", "rprivate"};
    }
    entry["options"].push_back(m.read_only ? "ro" : "rw");
    mounts.push_back(entry);
  }
}

void drop_network_namespace(json& linux_cfg) {
  auto& namespaces = linux_cfg["namespaces"];
  if (!namespaces.is_array())
    return;
  json kept = json::array();
  for (auto& ns : namespaces)
    if (ns.value("type", "") != "network")
      kept.push_back(ns);
  namespaces = kept;
}

} // namespace

void apply_container_spec(json& config, const oci_config_input& in) {
  const auto& spec = *in.spec;
  json& process = config["process"];
  if (!spec.command.empty())
    process["args"] = spec.command;
  process["env"] = env_json(process.value("env", json::array()), spec);
  if (!spec.working_dir.empty())
    process["cwd"] = spec.working_dir;
  else if (!process.contains("cwd") || !process["cwd"].is_string()
           || process["cwd"].get<std::string>().empty())
    process["cwd"] = "/";
  process["terminal"] = false;
  process.erase("consoleSize");
  config["hostname"] = short_hostname(in.id);
  if (!in.rootfs.empty())
    config["root"]["path"] = in.rootfs;
  config["root"]["readonly"] = in.readonly || spec.read_only;
  add_mounts(config, spec);
  json& linux_cfg = config["linux"];
  apply_resources(linux_cfg, spec);
  linux_cfg["cgroupsPath"] = in.cgroups_path;
  drop_network_namespace(linux_cfg);
}

} // namespace troupe
