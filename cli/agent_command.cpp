// `troupe agent --role standalone|manager|worker ...`: starts a node.
#include <memory>

#include "actors/node/run_agent.hpp"
#include "cli/commands.hpp"

namespace troupe::cli {

void register_agent_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<agent_options>();
  auto* sub = app.add_subcommand("agent", "run a node (manager, worker or both)");
  sub->add_option("--role", opts->role, "standalone (default), manager or worker")
      ->check(CLI::IsMember({"standalone", "manager", "worker"}));
  sub->add_option("--config", opts->config_path, "cluster config file (TOML)");
  sub->add_option("--name", opts->name, "node name (default: the host name)");
  sub->add_option("--data-dir", opts->data_dir, "where the node keeps its state");
  sub->add_option("--api", opts->api_address, "client API address HOST:PORT");
  sub->add_option("--metrics-address", opts->metrics_address,
                  "Prometheus metrics HOST:PORT (default 127.0.0.1:API port+2000; off = none)");
  sub->add_option("--events-address", opts->events_address,
                  "event PUB socket HOST:PORT (managers; default API host:API port+1000)");
  sub->add_flag("--stop-tasks", opts->stop_tasks,
               "stopping the node (SIGTERM) stops its tasks; by default they keep "
               "running and the next start re-attaches to them");
  sub->add_flag("--recover", opts->recover,
               "first make a damaged raft.db/state.db consistent: move them aside, keep "
               "the sound part of the log (docs/config.md)");
  sub->callback([opts, exit_code] { *exit_code = run_agent(*opts); });
}

} // namespace troupe::cli
