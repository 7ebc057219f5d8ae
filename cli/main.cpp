// The `troupe` binary: `troupe agent ...` runs a node; every other command
// is a client of a node's API. Global options (--host, --format, --timeout,
// -v) are accepted anywhere on the line (global_options.hpp). Exit status 0
// on success, 1 on any error with one sentence on stderr (`stack plan`: 2
// when a deploy would change something). `troupe shim ...` is a task's shim
// (runtime/shim.hpp).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/global_options.hpp"
#include "cli/version_info.hpp"
#include "runtime/shim.hpp"

int main(int argc, char** argv) {
  // The per-task shim first, before anything else is set up (shim.hpp).
  if (argc > 1 && std::string(argv[1]) == "shim")
    return troupe::shim_main(argc - 1, argv + 1);
  using namespace troupe::cli;
  CLI::App app{"troupe: a container orchestrator on the actor model"};
  app.name("troupe");
  app.set_version_flag("--version", client_version_text());
  add_global_options(app);
  int exit_code = 0;
  register_agent_command(app, &exit_code);
  register_sim_command(app, &exit_code);
  register_stack_commands(app, &exit_code);
  register_service_commands(app, &exit_code);
  register_node_commands(app, &exit_code);
  register_cluster_commands(app, &exit_code);
  register_events_command(app, &exit_code);
  register_console_command(app, &exit_code);
  register_version_command(app, &exit_code);
  register_system_commands(app, &exit_code);
  register_exec_command(app, &exit_code);
  register_volume_commands(app, &exit_code);
  register_completion_command(app, &exit_code);
  print_help_when_bare(&app);
  argc = split_exec_command(app, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0)
      return app.exit(e);
    if (auto sentence = unknown_command_sentence(app, {argv + 1, argv + argc});
        !sentence.empty()) {
      std::cerr << "troupe: " << sentence << "\n";
      return 1;
    }
    std::cerr << "troupe: " << e.what() << " (see troupe --help)\n";
    return 1;
  }
  return exit_code;
}
