// `troupe completion bash|zsh|fish`: shell completion scripts generated from
// the CLI11 command tree. The tree is first turned into plain data
// (completion_tree), which the generators render; names of stacks,
// services, tasks and nodes come from the node at completion time through
// the hidden `troupe __names KIND` (bounded to 300 ms, silent on failure).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace troupe::cli {

/// What a positional argument or an option's value names.
enum class arg_kind { none, file, stack, service, task, node, format };

struct completion_option {
  std::vector<std::string> names;  // "-d", "--detach"
  std::string help;
  bool takes_value = false;
  arg_kind value = arg_kind::none;
};

struct completion_command {
  std::string path;                // "" (troupe), "stack", "stack deploy"
  std::string help;
  std::vector<std::string> subcommands;
  std::vector<std::string> subcommand_help;
  std::vector<completion_option> options;  // its own (the top: the global ones)
  arg_kind positional = arg_kind::none;
};

/// Every visible command of `app`, parents before children.
std::vector<completion_command> completion_tree(const CLI::App& app);

/// The script for `shell` ("bash", "zsh" or "fish"); "" for another shell.
std::string completion_script(const std::vector<completion_command>& tree,
                              const std::string& shell);

/// "stack", "service", "task", "node" ("" for the others).
std::string kind_word(arg_kind kind);

/// Budget of one `troupe __names` lookup.
constexpr int names_timeout_ms = 300;

} // namespace troupe::cli
