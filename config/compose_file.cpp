#include "config/compose_file.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

namespace troupe {

namespace {

constexpr std::size_t max_compose_bytes = 4 << 20;

// Walks the YAML, builds the TOML, collects errors with positions.
struct reader {
  std::string source;
  std::vector<config_error> errors;
  std::string base_dir;         // where relative bind sources start (the file's folder)
  toml::table volumes;          // the stack's [volumes]
  std::map<std::string, std::string> bind_names;  // host path -> generated volume name
  int tmpfs_count = 0;

  void error(const YAML::Node& at, const std::string& key, const std::string& why) {
    config_error e;
    e.file = source;
    e.line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    e.column = at.Mark().column >= 0 ? at.Mark().column + 1 : 0;
    e.key = key;
    e.message = why;
    errors.push_back(std::move(e));
  }

  void unsupported(const YAML::Node& key_node, const std::string& key, const std::string& why) {
    error(key_node, key, "not supported by troupe: " + why);
  }

  bool scalar(const YAML::Node& n, const std::string& key, std::string* out) {
    if (!n.IsScalar()) {
      error(n, key, "expected a single value");
      return false;
    }
    *out = n.Scalar();
    return true;
  }

  bool map(const YAML::Node& n, const std::string& key) {
    if (n.IsMap())
      return true;
    error(n, key, "expected a mapping");
    return false;
  }

  // "30s", "1m30s", "100ms"; compose also allows "1h"; a bare number is refused.
  void duration(const YAML::Node& n, const std::string& key, toml::table& t,
                const std::string& to) {
    std::string v;
    if (scalar(n, key, &v))
      t.insert_or_assign(to, v);
  }

  void integer(const YAML::Node& n, const std::string& key, toml::table& t,
               const std::string& to) {
    std::string v;
    if (!scalar(n, key, &v))
      return;
    if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos) {
      error(n, key, "expected a whole number, got \"" + v + "\"");
      return;
    }
    t.insert_or_assign(to, std::stoll(v));
  }

  void number(const YAML::Node& n, const std::string& key, toml::table& t,
              const std::string& to) {
    std::string v;
    if (!scalar(n, key, &v))
      return;
    try {
      std::size_t used = 0;
      double d = std::stod(v, &used);
      if (used != v.size())
        throw std::invalid_argument(v);
      t.insert_or_assign(to, d);
    } catch (const std::exception&) {
      error(n, key, "expected a number, got \"" + v + "\"");
    }
  }

  void string(const YAML::Node& n, const std::string& key, toml::table& t,
              const std::string& to) {
    std::string v;
    if (scalar(n, key, &v))
      t.insert_or_assign(to, v);
  }

  // A string (split on blanks, as compose's short form) or a list.
  bool words(const YAML::Node& n, const std::string& key, toml::array* out) {
    if (n.IsScalar()) {
      std::istringstream in(n.Scalar());
      std::string w;
      while (in >> w)
        out->push_back(w);
      return true;
    }
    if (!n.IsSequence()) {
      error(n, key, "expected a string or a list of strings");
      return false;
    }
    for (const auto& item : n) {
      std::string w;
      if (!scalar(item, key, &w))
        return false;
      out->push_back(w);
    }
    return true;
  }

  // A mapping or a list of "K=V" (environment, labels).
  void pairs(const YAML::Node& n, const std::string& key, toml::table& t,
             const std::string& to) {
    toml::table out;
    if (n.IsMap()) {
      for (const auto& kv : n) {
        std::string v = kv.second.IsNull() ? "" : kv.second.IsScalar() ? kv.second.Scalar() : "";
        if (!kv.second.IsNull() && !kv.second.IsScalar())
          error(kv.second, key + "." + kv.first.Scalar(), "expected a single value");
        out.insert_or_assign(kv.first.Scalar(), v);
      }
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        std::string s;
        if (!scalar(item, key, &s))
          continue;
        auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) {
          error(item, key, "expected KEY=VALUE, got \"" + s + "\"");
          continue;
        }
        out.insert_or_assign(s.substr(0, eq), s.substr(eq + 1));
      }
    } else {
      error(n, key, "expected a mapping or a list of KEY=VALUE");
      return;
    }
    if (auto* existing = t.get_as<toml::table>(to))
      for (auto&& [k, v] : out)
        existing->insert_or_assign(k, v);
    else
      t.insert_or_assign(to, std::move(out));
  }

  // "8080:80", "80", "8080:80/udp", "127.0.0.1:8080:80" (refused), or the long form.
  void ports(const YAML::Node& n, const std::string& key, toml::table& t) {
    if (!n.IsSequence()) {
      error(n, key, "expected a list");
      return;
    }
    toml::array out;
    for (const auto& item : n) {
      toml::table port;
      std::string target, published, protocol = "tcp";
      if (item.IsScalar()) {
        std::string s = item.Scalar();
        if (auto slash = s.find('/'); slash != std::string::npos) {
          protocol = s.substr(slash + 1);
          s = s.substr(0, slash);
        }
        auto colon = s.find(':');
        if (colon != std::string::npos && s.find(':', colon + 1) != std::string::npos) {
          error(item, key, "a host address in a port (\"" + item.Scalar()
                             + "\") is not supported: published ports listen on every node's "
                               "ingress_address");
          continue;
        }
        if (s.find('-') != std::string::npos) {
          error(item, key, "port ranges (\"" + item.Scalar() + "\") are not supported");
          continue;
        }
        target = colon == std::string::npos ? s : s.substr(colon + 1);
        published = colon == std::string::npos ? "0" : s.substr(0, colon);
      } else if (item.IsMap()) {
        for (const auto& kv : item) {
          auto k = kv.first.Scalar();
          if (k == "target")
            scalar(kv.second, key + ".target", &target);
          else if (k == "published")
            scalar(kv.second, key + ".published", &published);
          else if (k == "protocol")
            scalar(kv.second, key + ".protocol", &protocol);
          else if (k == "mode" && kv.second.IsScalar() && kv.second.Scalar() == "ingress")
            continue;
          else
            unsupported(kv.first, key + "." + k,
                        k == "mode" ? "host-mode ports (every published port goes through the "
                                      "routing mesh)"
                                    : "no such port setting");
        }
        if (published.empty())
          published = "0";
      } else {
        error(item, key, "expected \"PUBLISHED:TARGET\" or a mapping");
        continue;
      }
      auto num = [](const std::string& s) {
        return !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos;
      };
      if (!num(target) || !num(published)) {
        error(item, key, "expected port numbers, got \"" + (item.IsScalar() ? item.Scalar() : target) + "\"");
        continue;
      }
      port.insert("name", (protocol == "udp" ? "u" : "p") + target);
      port.insert("target", std::stoll(target));
      if (published != "0")
        port.insert("published", std::stoll(published));
      port.insert("protocol", protocol);
      out.push_back(std::move(port));
    }
    t.insert_or_assign("ports", std::move(out));
  }

  void healthcheck(const YAML::Node& n, const std::string& key, toml::table& t) {
    if (!map(n, key))
      return;
    toml::table h;
    for (const auto& kv : n) {
      auto k = kv.first.Scalar();
      auto path = key + "." + k;
      if (k == "test") {
        toml::array cmd;
        if (!words(kv.second, path, &cmd))
          continue;
        std::string first = cmd.empty() ? "" : cmd[0].value_or(std::string());
        if (first == "NONE") {
          unsupported(kv.first, path, "test NONE (leave the healthcheck out instead)");
          continue;
        }
        toml::array out;
        if (first == "CMD-SHELL") {
          std::string line;
          for (std::size_t i = 1; i < cmd.size(); ++i)
            line += (i > 1 ? " " : "") + cmd[i].value_or(std::string());
          out.push_back("/bin/sh");
          out.push_back("-c");
          out.push_back(line);
        } else if (kv.second.IsScalar()) {  // a string is run by the shell
          out.push_back("/bin/sh");
          out.push_back("-c");
          out.push_back(kv.second.Scalar());
        } else {
          for (std::size_t i = first == "CMD" ? 1 : 0; i < cmd.size(); ++i)
            out.push_back(cmd[i].value_or(std::string()));
        }
        h.insert_or_assign("cmd", std::move(out));
      } else if (k == "interval" || k == "timeout" || k == "start_period") {
        duration(kv.second, path, h, k);
      } else if (k == "retries") {
        integer(kv.second, path, h, k);
      } else {
        unsupported(kv.first, path, k == "disable" ? "disable (leave the healthcheck out instead)"
                                                   : "no such healthcheck setting");
      }
    }
    t.insert_or_assign("health", std::move(h));
  }

  // restart_policy, update_config, rollback_config.
  void policy(const YAML::Node& n, const std::string& key, toml::table& t, const std::string& to,
              const std::vector<std::string>& keys) {
    if (!map(n, key))
      return;
    toml::table p;
    for (const auto& kv : n) {
      auto k = kv.first.Scalar();
      auto path = key + "." + k;
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        unsupported(kv.first, path, "no such setting in troupe's " + to + " policy");
        continue;
      }
      if (k == "delay" || k == "monitor" || k == "window")
        duration(kv.second, path, p, k);
      else if (k == "max_attempts" || k == "parallelism")
        integer(kv.second, path, p, k);
      else if (k == "max_failure_ratio")
        number(kv.second, path, p, k);
      else
        string(kv.second, path, p, k);
    }
    t.insert_or_assign(to, std::move(p));
  }

  // "50M" / "1g" / "512k" / "1024" (bytes) -> troupe's "50MiB".
  void memory(const YAML::Node& n, const std::string& key, toml::table& r,
              const std::string& to = "memory") {
    std::string v;
    if (!scalar(n, key, &v))
      return;
    std::string digits = v, unit;
    while (!digits.empty() && !std::isdigit(static_cast<unsigned char>(digits.back()))) {
      unit.insert(unit.begin(), static_cast<char>(std::tolower(digits.back())));
      digits.pop_back();
    }
    if (unit.size() == 2 && unit[1] == 'b')
      unit.resize(1);
    static const std::map<std::string, std::string> units{
      {"", ""}, {"b", ""}, {"k", "KiB"}, {"m", "MiB"}, {"g", "GiB"}};
    auto u = units.find(unit);
    if (digits.empty() || u == units.end()) {
      error(n, key, "expected a size such as 64M or 1G, got \"" + v + "\"");
      return;
    }
    r.insert_or_assign(to, digits + u->second);
  }

  void deploy(const YAML::Node& n, const std::string& key, toml::table& t) {
    if (!map(n, key))
      return;
    for (const auto& kv : n) {
      auto k = kv.first.Scalar();
      auto path = key + "." + k;
      const auto& v = kv.second;
      if (k == "replicas") {
        integer(v, path, t, "replicas");
      } else if (k == "mode") {
        string(v, path, t, "mode");
      } else if (k == "labels") {
        pairs(v, path, t, "labels");
      } else if (k == "resources") {
        if (!map(v, path))
          continue;
        for (const auto& rk : v) {
          auto rpath = path + "." + rk.first.Scalar();
          if (rk.first.Scalar() != "limits") {
            unsupported(rk.first, rpath,
                        rk.first.Scalar() == "reservations"
                          ? "reservations apart from limits (troupe reserves what it limits: "
                            "use limits)"
                          : "no such resources setting");
            continue;
          }
          if (!map(rk.second, rpath))
            continue;
          toml::table res;
          for (const auto& lk : rk.second) {
            auto lpath = rpath + "." + lk.first.Scalar();
            if (lk.first.Scalar() == "cpus")
              number(lk.second, lpath, res, "cpus");
            else if (lk.first.Scalar() == "memory")
              memory(lk.second, lpath, res);
            else
              unsupported(lk.first, lpath, "only cpus and memory are limited");
          }
          t.insert_or_assign("resources", std::move(res));
        }
      } else if (k == "restart_policy") {
        policy(v, path, t, "restart", {"condition", "delay", "max_attempts", "window"});
      } else if (k == "update_config" || k == "rollback_config") {
        policy(v, path, t, k == "update_config" ? "update" : "rollback",
               {"parallelism", "delay", "failure_action", "monitor", "max_failure_ratio",
                "order"});
      } else if (k == "placement") {
        if (!map(v, path))
          continue;
        for (const auto& pk : v) {
          auto ppath = path + "." + pk.first.Scalar();
          if (pk.first.Scalar() != "constraints") {
            unsupported(pk.first, ppath, "only placement constraints");
            continue;
          }
          toml::array list;
          if (!pk.second.IsSequence()) {
            error(pk.second, ppath, "expected a list");
            continue;
          }
          for (const auto& c : pk.second) {
            std::string s;
            if (scalar(c, ppath, &s))
              list.push_back(s);
          }
          toml::table placement;
          placement.insert("constraints", std::move(list));
          t.insert_or_assign("placement", std::move(placement));
        }
      } else {
        unsupported(kv.first, path, "no such deploy setting in troupe");
      }
    }
  }

  // A bind source as a volume of its own ("bind-N", one per host path).
  std::string bind_volume(const std::string& source) {
    namespace fs = std::filesystem;
    auto path = fs::path(source);
    if (source.rfind("~", 0) == 0)
      return "";
    if (path.is_relative())
      path = fs::path(base_dir) / path;
    auto normal = path.lexically_normal().string();
    if (normal.size() > 1 && normal.back() == '/')
      normal.pop_back();
    auto& name = bind_names[normal];
    if (name.empty()) {
      name = "bind-" + std::to_string(bind_names.size());
      toml::table v;
      v.insert("driver", "bind");
      v.insert("path", normal);
      volumes.insert_or_assign(name, std::move(v));
    }
    return name;
  }

  std::string tmpfs_volume(const YAML::Node* size, const std::string& key) {
    auto name = "tmpfs-" + std::to_string(++tmpfs_count);
    toml::table v;
    v.insert("driver", "tmpfs");
    if (size != nullptr)
      memory(*size, key, v, "size");
    volumes.insert_or_assign(name, std::move(v));
    return name;
  }

  static bool is_path(const std::string& source) {
    return !source.empty() && (source[0] == '/' || source[0] == '.' || source[0] == '~');
  }

  // "NAME:TARGET[:ro|rw]" or "HOST_PATH:TARGET[:ro|rw]".
  void short_mount(const YAML::Node& n, const std::string& key, toml::array& mounts) {
    std::string text;
    if (!scalar(n, key, &text))
      return;
    std::vector<std::string> parts;
    std::istringstream in(text);
    for (std::string p; std::getline(in, p, ':');)
      parts.push_back(p);
    if (parts.size() == 1) {
      unsupported(n, key, "anonymous volumes (name it: NAME:" + text + ")");
      return;
    }
    if (parts.size() > 3 || (parts.size() == 3 && parts[2] != "ro" && parts[2] != "rw")) {
      unsupported(n, key, "volume options other than ro or rw in \"" + text + "\"");
      return;
    }
    std::string volume = parts[0];
    if (is_path(parts[0]) && (volume = bind_volume(parts[0])).empty()) {
      unsupported(n, key, "a ~ path (write the folder out: /home/...)");
      return;
    }
    toml::table m;
    m.insert("volume", volume);
    m.insert("target", parts[1]);
    if (parts.size() == 3 && parts[2] == "ro")
      m.insert("read_only", true);
    mounts.push_back(std::move(m));
  }

  // { type = volume|bind|tmpfs, source, target, read_only, tmpfs: { size } }
  void long_mount(const YAML::Node& n, const std::string& key, toml::array& mounts) {
    std::string type = "volume", source, target;
    bool read_only = false;
    const YAML::Node* size = nullptr;
    YAML::Node size_node;
    for (const auto& kv : n) {
      auto k = kv.first.Scalar();
      auto path = key + "." + k;
      if (k == "type") {
        scalar(kv.second, path, &type);
      } else if (k == "source") {
        scalar(kv.second, path, &source);
      } else if (k == "target") {
        scalar(kv.second, path, &target);
      } else if (k == "read_only") {
        std::string b;
        if (scalar(kv.second, path, &b))
          read_only = b == "true";
      } else if (k == "tmpfs" && map(kv.second, path)) {
        for (const auto& tk : kv.second) {
          if (tk.first.Scalar() == "size") {
            size_node = tk.second;
            size = &size_node;
          } else {
            unsupported(tk.first, path + "." + tk.first.Scalar(), "only a tmpfs size");
          }
        }
      } else if (k != "tmpfs") {
        unsupported(kv.first, path, "no such mount setting in troupe (type, source, target, "
                                    "read_only, tmpfs.size)");
      }
    }
    std::string volume;
    if (type == "tmpfs") {
      volume = tmpfs_volume(size, key + ".tmpfs.size");
    } else if (type == "bind") {
      if (source.empty() || (volume = bind_volume(source)).empty()) {
        error(n, key, "a bind mount needs an absolute or ./relative source");
        return;
      }
    } else if (type == "volume") {
      if (source.empty()) {
        unsupported(n, key, "anonymous volumes (give the mount a source: a volume name)");
        return;
      }
      volume = source;
    } else {
      unsupported(n, key + ".type", "mount type \"" + type + "\" (volume, bind or tmpfs)");
      return;
    }
    toml::table m;
    m.insert("volume", volume);
    m.insert("target", target);
    if (read_only)
      m.insert("read_only", true);
    mounts.push_back(std::move(m));
  }

  void service_volumes(const YAML::Node& n, const std::string& key, toml::table& t) {
    if (!n.IsSequence()) {
      error(n, key, "expected a list of mounts");
      return;
    }
    toml::array mounts;
    if (auto* old = t.get_as<toml::array>("mounts"))
      mounts = *old;
    int i = 0;
    for (const auto& item : n) {
      auto path = key + "[" + std::to_string(i++) + "]";
      if (item.IsMap())
        long_mount(item, path, mounts);
      else
        short_mount(item, path, mounts);
    }
    t.insert_or_assign("mounts", std::move(mounts));
  }

  // tmpfs: "/run" or a list of paths.
  void service_tmpfs(const YAML::Node& n, const std::string& key, toml::table& t) {
    toml::array paths;
    if (!words(n, key, &paths))
      return;
    toml::array mounts;
    if (auto* old = t.get_as<toml::array>("mounts"))
      mounts = *old;
    for (auto&& p : paths) {
      auto target = *p.value<std::string>();
      if (target.find(':') != std::string::npos) {
        unsupported(n, key, "tmpfs options in \"" + target
                              + "\" (use the long volumes syntax with tmpfs.size)");
        continue;
      }
      toml::table m;
      m.insert("volume", tmpfs_volume(nullptr, key));
      m.insert("target", target);
      mounts.push_back(std::move(m));
    }
    t.insert_or_assign("mounts", std::move(mounts));
  }

  // The top-level volumes: named local volumes of the stack.
  void top_volumes(const YAML::Node& n) {
    if (n.IsNull())
      return;
    if (!map(n, "volumes"))
      return;
    for (const auto& kv : n) {
      auto name = kv.first.Scalar();
      auto key = "volumes." + name;
      toml::table v;
      if (kv.second.IsMap()) {
        for (const auto& vk : kv.second) {
          auto k = vk.first.Scalar();
          std::string d;
          if (k == "driver" && scalar(vk.second, key + ".driver", &d) && d != "local")
            unsupported(vk.second, key + ".driver", "volume driver \"" + d
                                                      + "\" (troupe's volumes are local)");
          else if (k == "external")
            unsupported(vk.first, key + ".external",
                        "external volumes (a troupe volume belongs to its stack)");
          else if (k != "driver")
            unsupported(vk.first, key + "." + k, "no such volume setting in troupe");
        }
      } else if (!kv.second.IsNull()) {
        error(kv.second, key, "expected a mapping or nothing");
      }
      volumes.insert_or_assign(name, std::move(v));
    }
  }

  void service(const std::string& name, const YAML::Node& n, toml::table& out) {
    std::string key = "services." + name;
    if (!map(n, key))
      return;
    toml::table t;
    toml::array entrypoint, command;
    bool has_command = false;
    for (const auto& kv : n) {
      auto k = kv.first.Scalar();
      auto path = key + "." + k;
      const auto& v = kv.second;
      if (k == "image") {
        string(v, path, t, "image");
        t.insert_or_assign("driver", "oci");
      } else if (k == "command") {
        has_command = words(v, path, &command) || has_command;
      } else if (k == "entrypoint") {
        has_command = words(v, path, &entrypoint) || has_command;
      } else if (k == "environment") {
        pairs(v, path, t, "env");
      } else if (k == "labels") {
        pairs(v, path, t, "labels");
      } else if (k == "ports") {
        ports(v, path, t);
      } else if (k == "healthcheck") {
        healthcheck(v, path, t);
      } else if (k == "deploy") {
        deploy(v, path, t);
      } else if (k == "stop_grace_period") {
        duration(v, path, t, "stop_grace_period");
      } else if (k == "working_dir") {
        string(v, path, t, "working_dir");
      } else if (k == "read_only") {
        std::string b;
        if (scalar(v, path, &b))
          t.insert_or_assign("read_only", b == "true");
      } else if (k == "volumes") {
        service_volumes(v, path, t);
      } else if (k == "tmpfs") {
        service_tmpfs(v, path, t);
      } else {
        unsupported(kv.first, path, why_not(k));
      }
    }
    if (has_command) {
      toml::array all = entrypoint;
      for (auto&& w : command)
        all.push_back(*w.value<std::string>());
      t.insert_or_assign("command", std::move(all));
    }
    out.insert_or_assign(name, std::move(t));
  }

  static std::string why_not(const std::string& k) {
    if (k == "configs" || k == "secrets")
      return k + " (troupe has none yet)";
    if (k == "networks")
      return "networks (every service reaches the others by its VIP and DNS name)";
    if (k == "build")
      return "build (no registry or builder: load images into the nodes' images_dir)";
    if (k == "depends_on")
      return "depends_on (services start together; use health checks)";
    return "no such service setting in troupe";
  }
};

} // namespace

compose_result parse_compose(std::string_view text, const std::string& source,
                             const std::string& default_name) {
  compose_result out;
  auto fail = [&](int line, int column, const std::string& why) {
    config_error e;
    e.file = source;
    e.line = line;
    e.column = column;
    e.message = why;
    out.stack.errors.push_back(e);
    return out;
  };
  if (text.size() > max_compose_bytes)
    return fail(0, 0, "larger than 4 MiB");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(e.mark.line + 1, e.mark.column + 1, "not valid YAML: " + e.msg);
  }
  reader r;
  r.source = source;
  r.base_dir = std::filesystem::absolute(source).parent_path().string();
  if (!root.IsMap())
    return fail(0, 0, "expected a compose file (a mapping with services)");
  std::string name = default_name;
  toml::table services;
  for (const auto& kv : root) {
    auto k = kv.first.Scalar();
    if (k == "version")
      continue;
    if (k == "name") {
      r.scalar(kv.second, "name", &name);
    } else if (k == "services") {
      if (!r.map(kv.second, "services"))
        continue;
      for (const auto& s : kv.second)
        r.service(s.first.Scalar(), s.second, services);
    } else if (k == "volumes") {
      r.top_volumes(kv.second);
    } else {
      r.unsupported(kv.first, k, k == "configs" || k == "secrets"
                                   ? k + " (troupe has none yet)"
                                   : k == "networks" ? "networks (one service network)"
                                                     : "no such top-level key in troupe");
    }
  }
  if (!r.errors.empty()) {
    out.stack.errors = std::move(r.errors);
    return out;
  }
  toml::table stack, doc;
  stack.insert("name", name);
  doc.insert("stack", std::move(stack));
  if (!r.volumes.empty())
    doc.insert("volumes", std::move(r.volumes));
  doc.insert("services", std::move(services));
  std::ostringstream toml_text;
  toml_text << "# converted from " << source << " by troupe stack convert\n" << doc << "\n";
  out.toml = toml_text.str();
  out.stack = parse_stack(out.toml, source + " (as TOML)");
  return out;
}

compose_result load_compose_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    compose_result out;
    config_error e;
    e.file = path;
    e.message = "cannot read the file";
    out.stack.errors.push_back(e);
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto folder = std::filesystem::absolute(path).parent_path().filename().string();
  std::string name;  // a stack name from a folder name: [a-z0-9][a-z0-9-]*, 32 at most
  for (char c : folder) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if ((c == '-' || c == '_' || c == '.') && !name.empty())
      name += '-';
  }
  name = name.substr(0, 32);
  return parse_compose(text.str(), path, name.empty() ? "default" : name);
}

} // namespace troupe
