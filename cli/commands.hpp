// The `troupe` command tree. Each register_* adds one group of subcommands
// to the CLI11 app; when a subcommand runs, its exit status (0 ok, 1 error)
// is written to *exit_code. Client commands share client_options and the
// helpers below: errors are printed as one line "troupe: <sentence>".
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/output.hpp"
#include "messages/troupe.pb.h"

namespace troupe::cli {

/// How long one API request may take before the node counts as unreachable.
constexpr int api_timeout_ms = 10000;

struct client_options {
  std::string host;             // --host; "" = $TROUPE_HOST or the default
  std::string format = "table"; // --format table|json
};

/// Adds --host (and --format when `with_format`) to a client subcommand.
void add_client_options(CLI::App* sub, client_options* options, bool with_format);

/// Prints "troupe: <sentence>" to stderr and returns 1.
int fail(const std::string& sentence);

/// Sends `request` to the node; false (after printing the error) when the
/// node cannot be reached or answers with an error.
bool request_api(const client_options& options, const pb::Request& request,
                 pb::Response* response);

/// The resolved API address of `options`.
std::string api_address(const client_options& options);

/// Prints tasks (service ps / stack ps) as a table or a JSON array.
void print_tasks(const pb::Response& response, const std::string& format);

/// Prints a JSON value (pretty, 2 spaces) to stdout.
void print_json(const nlohmann::json& value);

void register_agent_command(CLI::App& app, int* exit_code);
void register_stack_commands(CLI::App& app, int* exit_code);
void register_service_commands(CLI::App& app, int* exit_code);
void register_node_commands(CLI::App& app, int* exit_code);
void register_cluster_commands(CLI::App& app, int* exit_code);
void register_events_command(CLI::App& app, int* exit_code);

} // namespace troupe::cli
