// `troupe console`: look inside a running node over its API. A session holds
// the node's address and runs console commands (tree, ls, top, inspect,
// trace, kill, cluster, nodes, services, connect, help); the command line
// either runs one (--exec) or reads them interactively with libedit (line
// editing, history, tab completion of commands and actor names).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "messages/troupe.pb.h"

namespace troupe::cli {

struct console_options {
  client_options client; // the global --host, --format (with --exec), --timeout
  std::string node;      // --node NAME (resolved through --config)
  std::string config;    // --config FILE
  std::string exec;      // --exec "COMMAND"
};

class console_session {
public:
  console_session(std::string address, std::string format, bool interactive,
                  std::string config_path);

  /// Runs one command line; returns 0, or 1 after printing an error. Sets
  /// *quit for `quit`/`exit`.
  int run(const std::string& line, bool* quit);

  /// The actors of the last snapshot (for tab completion).
  const std::vector<pb::ActorInfo>& last_actors() const { return actors_; }
  const std::string& address() const { return address_; }
  /// The prompt: "troupe NODE> ".
  std::string prompt() const;

private:
  bool call(const pb::Request& req, pb::Response* resp);
  bool refresh();
  bool resolve(const std::string& query, uint64_t* id);
  int tree();
  int ls(const std::vector<std::string>& args);
  int top(const std::vector<std::string>& args);
  int inspect(const std::string& actor);
  int trace(const std::vector<std::string>& args);
  int kill(const std::string& actor, bool ask);
  int cluster();
  int nodes();
  int services();
  int connect(const std::string& node);

  std::string address_;
  std::string format_;
  bool interactive_;
  std::string config_path_;
  std::string node_name_;
  std::vector<pb::ActorInfo> actors_;
  int64_t snapshot_ms_ = 0;
};

/// The API address of node `name` from the cluster config at `path`: a
/// manager's api_address or the api_address of its [nodes.NAME] table.
bool node_api_address(const std::string& path, const std::string& name,
                      std::string* address, std::string* error);

/// The commands, for help and completion.
const std::vector<std::string>& console_commands();

/// Runs the interactive loop (libedit) until quit or end of input.
int console_repl(console_session& session);

void register_console_command(CLI::App& app, int* exit_code);

} // namespace troupe::cli
