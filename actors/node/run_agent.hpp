// The agent entry point: `troupe agent --role ...` starts the actor system
// and the node actor for the role, serves the client API, and blocks until
// SIGTERM/SIGINT, then shuts down cleanly.
#pragma once

#include <string>

namespace troupe {

struct agent_options {
  std::string role = "standalone";  // "standalone" | "manager" | "worker"
  std::string config_path;          // "" = built-in defaults
  std::string name;                 // "" = the host name
  std::string data_dir;             // "" = from the config
  std::string api_address;          // "" = from the config
  std::string metrics_address;      // "" = from the config; "off" = none
  std::string events_address;       // "" = from the config
  bool recover = false;             // make a damaged raft.db/state.db consistent first
  bool stop_tasks = false;          // stopping the node stops its tasks (default:
                                    // they keep running and are re-attached)
};

/// Runs the agent; returns the process exit code (0 on a clean stop, 1 with
/// one sentence on stderr when it cannot start).
int run_agent(const agent_options& options);

} // namespace troupe
