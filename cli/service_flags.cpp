#include "cli/service_flags.hpp"

#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "cli/update_wait.hpp"
#include "config/stack_file.hpp"

namespace troupe::cli {

namespace {

// The flag a stack file key came from ("services.x.replicas" -> "--replicas").
std::string flag_of(const std::string& key) {
  static const std::map<std::string, std::string> flags{
    {"image", "--image"},     {"command", "--command"},
    {"driver", "--driver"},   {"mode", "--mode"},
    {"replicas", "--replicas"}, {"env", "--env"},
    {"ports", "--publish"},   {"placement", "--constraint"},
    {"labels", "--label"}};
  auto rest = key;
  for (int i = 0; i < 2 && rest.find('.') != std::string::npos; ++i)
    rest = rest.substr(rest.find('.') + 1);  // past "services.NAME."
  auto word = rest.substr(0, rest.find_first_of(".["));
  auto i = flags.find(word);
  return i != flags.end() ? i->second : "NAME";
}

// "K=V" -> (K, V); false without "=" or with an empty key.
bool split_pair(const std::string& text, std::string* key, std::string* value) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return false;
  *key = text.substr(0, eq);
  *value = text.substr(eq + 1);
  return true;
}

// "[NAME=]PUBLISHED:TARGET" -> a ports entry.
bool port_table(const std::string& text, toml::table* out, std::string* error) {
  std::string name, spec = text;
  if (auto eq = text.find('='); eq != std::string::npos) {
    name = text.substr(0, eq);
    spec = text.substr(eq + 1);
  }
  auto colon = spec.find(':');
  auto number = [](const std::string& s, int64_t* v) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
      return false;
    *v = std::stoll(s);
    return true;
  };
  int64_t published = 0, target = 0;
  if (colon == std::string::npos || !number(spec.substr(0, colon), &published)
      || !number(spec.substr(colon + 1), &target)) {
    *error = "--publish \"" + text
             + "\": expected [NAME=]PUBLISHED:TARGET with port numbers, e.g. 8080:80";
    return false;
  }
  if (name.empty())
    name = "p" + std::to_string(target);
  out->insert("name", name);
  out->insert("target", target);
  out->insert("published", published);
  return true;
}

} // namespace

bool spec_from_flags(const create_flags& f, pb::ServiceSpec* out,
                     std::vector<std::string>* errors) {
  errors->clear();
  toml::table service;
  if (!f.image.empty()) {
    service.insert("image", f.image);
    if (f.driver.empty())
      service.insert("driver", "oci");
  }
  if (!f.driver.empty())
    service.insert("driver", f.driver);
  if (!f.command.empty()) {
    std::vector<std::string> words;
    std::string why;
    if (!split_words(f.command, &words, &why))
      errors->push_back("--command: " + why);
    toml::array command;
    for (const auto& w : words)
      command.push_back(w);
    service.insert("command", std::move(command));
  }
  if (f.image.empty() && f.command.empty())
    errors->push_back("--image IMAGE or --command \"PROGRAM ARGS\" is required");
  if (!f.mode.empty())
    service.insert("mode", f.mode);
  if (!f.replicas.empty()) {
    if (f.replicas.size() > 9 || f.replicas.find_first_not_of("0123456789") != std::string::npos)
      errors->push_back("--replicas \"" + f.replicas + "\": expected a whole number");
    else
      service.insert("replicas", std::stoll(f.replicas));
  }
  auto pairs = [&](const std::vector<std::string>& items, const char* flag,
                   const char* key) {
    if (items.empty())
      return;
    toml::table t;
    for (const auto& item : items) {
      std::string k, v;
      if (!split_pair(item, &k, &v))
        errors->push_back(std::string(flag) + " \"" + item + "\": expected KEY=VALUE");
      else if (!t.insert(k, v).second)
        errors->push_back(std::string(flag) + " names " + k + " twice");
    }
    service.insert(key, std::move(t));
  };
  pairs(f.env, "--env", "env");
  pairs(f.labels, "--label", "labels");
  if (!f.publish.empty()) {
    toml::array ports;
    for (const auto& p : f.publish) {
      toml::table port;
      std::string why;
      if (port_table(p, &port, &why))
        ports.push_back(std::move(port));
      else
        errors->push_back(why);
    }
    service.insert("ports", std::move(ports));
  }
  if (!f.constraints.empty()) {
    toml::array list;
    for (const auto& c : f.constraints)
      list.push_back(c);
    toml::table placement;
    placement.insert("constraints", std::move(list));
    service.insert("placement", std::move(placement));
  }
  if (!errors->empty())
    return false;
  toml::table services;
  services.insert(f.name, std::move(service));
  toml::table stack;
  stack.insert("name", default_stack);
  toml::table root;
  root.insert("stack", std::move(stack));
  root.insert("services", std::move(services));
  std::ostringstream text;
  text << root;
  auto result = parse_stack(text.str(), "service create");
  for (const auto& e : result.errors)
    errors->push_back(flag_of(e.key) + ": " + e.message);
  if (!errors->empty())
    return false;
  if (result.stack.services_size() != 1) {
    errors->push_back("NAME: \"" + f.name + "\" is not a service name");
    return false;
  }
  *out = result.stack.services(0);
  return true;
}

} // namespace troupe::cli
