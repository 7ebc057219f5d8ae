// `troupe sim`: a simulated cluster in one process. M real managers (each a
// node actor with its store, Raft member, dispatcher, gateway and API, as
// `troupe agent --role manager` starts; Raft between them goes through
// their gateways, which CAF's middleman hands over in-process) and N
// simulated workers (agent actors whose tasks run on the sim driver: no
// process, no files), drawn from the seed (core/sim_workers.hpp). The
// managers' APIs answer the normal CLI. Faults come from a script and from
// lines typed on stdin (core/fault_script.hpp). Blocks until SIGTERM/SIGINT.
#pragma once

#include <cstdint>
#include <string>

namespace troupe {

struct sim_options {
  int managers = 3;
  uint64_t workers = 100;
  uint64_t seed = 1;
  std::string script_path;   // "" = no script
  std::string data_dir;      // "" = a new folder under $TMPDIR, removed at the end
  std::string api_address = "127.0.0.1:7400";  // manager 1's; the others follow
  int64_t heartbeat_ms = 0;  // the workers' heartbeat (0 = the default 1s)
};

/// The most managers and workers one sim runs.
constexpr int max_sim_managers = 7;
constexpr uint64_t max_sim_workers = 100000;

/// Runs the simulation; 0 on a clean stop, 1 with one sentence on stderr
/// when it cannot start.
int run_sim(const sim_options& options);

} // namespace troupe
