// completion_tree: the CLI11 tree as plain data for the script generators.
#include "cli/completion.hpp"

namespace troupe::cli {

namespace {

// What a positional named `name` of command `path` names.
arg_kind positional_kind(const std::string& path, const std::string& name) {
  auto group = path.substr(0, path.find(' '));
  if (name == "FILE")
    return arg_kind::file;
  if (name == "TASK")
    return arg_kind::task;
  if (name == "SERVICE" || name == "SERVICE=N")
    return arg_kind::service;
  if (name == "NODE")
    return arg_kind::node;
  if (name == "NAME" && group == "stack")
    return arg_kind::stack;
  if (name == "NAME" && group == "node")
    return arg_kind::node;
  return arg_kind::none;
}

arg_kind option_kind(const std::string& long_name) {
  if (long_name == "format")
    return arg_kind::format;
  if (long_name == "task")
    return arg_kind::task;
  if (long_name == "node")
    return arg_kind::node;
  if (long_name == "config" || long_name == "compose-file")
    return arg_kind::file;
  return arg_kind::none;
}

void walk(const CLI::App& app, const std::string& path,
          std::vector<completion_command>* out) {
  completion_command cmd;
  cmd.path = path;
  cmd.help = app.get_description();
  auto subs = app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
  for (const auto* sub : subs) {
    cmd.subcommands.push_back(sub->get_name());
    cmd.subcommand_help.push_back(sub->get_description());
  }
  for (const auto* opt : app.get_options()) {
    if (opt->get_positional()) {
      cmd.positional = positional_kind(path, opt->get_name());
      continue;
    }
    completion_option o;
    for (const auto& s : opt->get_snames())
      o.names.push_back("-" + s);
    for (const auto& l : opt->get_lnames())
      o.names.push_back("--" + l);
    if (o.names.empty())
      continue;
    o.help = opt->get_description();
    o.takes_value = opt->get_type_size() > 0;
    if (!opt->get_lnames().empty())
      o.value = option_kind(opt->get_lnames().front());
    cmd.options.push_back(std::move(o));
  }
  out->push_back(std::move(cmd));
  for (const auto* sub : subs)
    walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

} // namespace

std::vector<completion_command> completion_tree(const CLI::App& app) {
  std::vector<completion_command> out;
  walk(app, "", &out);
  return out;
}

std::string kind_word(arg_kind kind) {
  switch (kind) {
    case arg_kind::stack: return "stack";
    case arg_kind::service: return "service";
    case arg_kind::task: return "task";
    case arg_kind::node: return "node";
    default: return "";
  }
}

} // namespace troupe::cli
