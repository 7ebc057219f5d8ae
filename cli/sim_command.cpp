// `troupe sim --managers M --workers N [--seed S] [--script FILE]`: a
// simulated cluster in one process (actors/sim/run_sim.hpp).
#include <iostream>
#include <memory>

#include "actors/sim/run_sim.hpp"
#include "cli/commands.hpp"
#include "config/units.hpp"

namespace troupe::cli {

void register_sim_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<sim_options>();
  auto heartbeat = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
    "sim", "run a simulated cluster in one process: real managers, simulated workers");
  sub->add_option("--managers", opts->managers, "managers, real Raft between them (default 3)")
    ->check(CLI::Range(1, max_sim_managers));
  sub->add_option("--workers", opts->workers, "simulated workers (default 100)")
    ->check(CLI::Range(uint64_t{0}, max_sim_workers));
  sub->add_option("--seed", opts->seed,
                  "draws the workers' resources and labels, and which workers a fault hits "
                  "(default 1)");
  sub->add_option("--script", opts->script_path,
                  "faults, one per line: at 30s kill-workers 100 | at 1m partition-workers "
                  "50 for 20s | at 2m kill-leader (lines without 'at' can be typed on stdin)");
  sub->add_option("--data-dir", opts->data_dir,
                  "where the managers keep their state (default: a new temporary folder, "
                  "removed at the end)");
  sub->add_option("--api", opts->api_address,
                  "manager 1's API HOST:PORT; manager i uses PORT+i-1, and their cluster "
                  "addresses the next ports (default 127.0.0.1:7400)");
  sub->add_option("--heartbeat", *heartbeat, "the workers' heartbeat period (default 1s)");
  sub->callback([opts, heartbeat, exit_code] {
    if (!heartbeat->empty()) {
      auto ms = parse_duration_ms(*heartbeat);
      if (!ms || *ms <= 0) {
        std::cerr << "troupe: --heartbeat '" << *heartbeat
                  << "' is not a duration (use e.g. 500ms, 2s)" << std::endl;
        *exit_code = 2;
        return;
      }
      opts->heartbeat_ms = *ms;
    }
    *exit_code = run_sim(*opts);
  });
}

} // namespace troupe::cli
