// The options every client command takes, accepted anywhere on the line
// (`troupe --host A service ls` and `troupe service ls --host A`): CLI11
// subcommands fall through to the top app's options. They are parsed once,
// checked once (one sentence for bad values) and copied into the
// client_options of the command that runs (add_client_options).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace troupe::cli {

struct global_options {
  std::string host;         // --host / -H: comma-separated endpoints
  std::string format;       // --format table|json ("" = table)
  std::string timeout;      // --timeout D
  std::string credentials;  // --credentials FILE: reserved (client security)
  bool verbose = false;     // -v: say which endpoint answered
};

/// Adds the global options to `app` and makes every subcommand added after
/// it fall through to them. Call before registering the subcommands.
void add_global_options(CLI::App& app);

/// After a failed parse of `args` (argv without the program): when the
/// deepest command given is a group and a word after it names none of its
/// commands, the sentence saying so (`troupe node` has no command "rm"; its
/// commands: ...); else "".
std::string unknown_command_sentence(const CLI::App& app, const std::vector<std::string>& args);

/// The parsed values (valid once app.parse has checked them).
const global_options& parsed_global_options();

/// Why `options` cannot be used ("" when they can): a bad --timeout, a bad
/// --host list, --credentials (reserved).
std::string global_options_problem(const global_options& options);

} // namespace troupe::cli
