// The `troupe` command tree. Each register_* adds one group of subcommands
// to the CLI11 app; when a subcommand runs, its exit status (0 ok, 1 error)
// is written to *exit_code. Client commands share client_options and the
// helpers below: errors are printed as one line "troupe: <sentence>".
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.hpp"
#include "messages/troupe.pb.h"

namespace troupe::cli {

/// How long one API request may take before the node counts as unreachable
/// (unless --timeout says otherwise).
constexpr int api_timeout_ms = 10000;

/// The global options (global_options.hpp), as one client command sees them.
struct client_options {
  std::string host;             // --host; "" = $TROUPE_HOST or the default
  std::string format = "table"; // --format table|json
  std::string timeout;          // --timeout as given; "" = the command's default
  int64_t timeout_ms = 0;       // --timeout parsed, per request (0 = not given)
  int64_t wait_ms = 0;          // --timeout parsed, of a waiting command (0 = not given)
};

/// Declares that `sub` is a client command: the global options (--host,
/// --format when `with_format`, --timeout) are copied into *options once the
/// line is parsed. --format on a command without `with_format` is refused.
void add_client_options(CLI::App* sub, client_options* options, bool with_format);

/// As add_client_options for a command that waits for convergence: there
/// --timeout is how long it waits (wait_ms); each request keeps api_timeout_ms.
void add_waiting_client_options(CLI::App* sub, client_options* options);

/// The per-request timeout of `options`: --timeout, else api_timeout_ms.
int request_timeout_ms(const client_options& options);

/// How long a waiting command (deploy, scale, update) waits: --timeout,
/// else `default_ms`.
int64_t wait_timeout_ms(const client_options& options, int64_t default_ms);

/// A group of subcommands (`troupe service`) given no subcommand prints its
/// help to stdout (exit 0) instead of failing.
void print_help_when_bare(CLI::App* group);

/// Prints "troupe: <sentence>" to stderr and returns 1.
int fail(const std::string& sentence);

/// Sends `request` to the node; false (after printing the error) when the
/// node cannot be reached or answers with an error.
bool request_api(const client_options& options, const pb::Request& request,
                 pb::Response* response);

/// The resolved API address of `options`.
std::string api_address(const client_options& options);

/// `--filter` and `--no-trunc` of the task listings (task_filter.hpp).
struct task_list_options {
  std::vector<std::string> filters;
  bool no_trunc = false;
};

/// Adds `PARENT VERB ARG [--filter KEY=VALUE...] [--no-trunc]`: a task
/// listing (service ps, stack ps, node ps) that checks its filters, sends
/// `make(ARG)` and prints the tasks of the answer.
void add_task_listing(CLI::App* parent, const char* verb, const char* help,
                      const char* arg, const char* arg_help, int* exit_code,
                      pb::Request (*make)(const std::string& arg));

/// Prints the tasks of `response` that pass the filters (service ps, stack
/// ps, node ps) as a table (messages cut to 120 characters unless
/// --no-trunc) or a JSON array; false (after the sentence) on a bad filter.
bool print_tasks(const pb::Response& response, const std::string& format,
                 const task_list_options& list = {});

/// A stack as the node holds it (inspect_stack): its services' specs, their
/// live tasks and the stack's modify index; exists = false (index 0) when
/// there is no such stack.
struct stored_stack {
  bool exists = false;
  uint64_t index = 0;
  std::vector<pb::ServiceSpec> specs;
  std::vector<pb::Task> live_tasks;
};

/// Reads stack `name`; false (after the sentence) when no node answered or
/// it answered with another error.
bool read_stored_stack(const client_options& options, const std::string& name,
                       stored_stack* out);

/// Prints a JSON value (pretty, 2 spaces) to stdout.
void print_json(const nlohmann::json& value);

void register_agent_command(CLI::App& app, int* exit_code);
void register_sim_command(CLI::App& app, int* exit_code);
void register_stack_commands(CLI::App& app, int* exit_code);
void register_service_commands(CLI::App& app, int* exit_code);
void register_node_commands(CLI::App& app, int* exit_code);
void register_cluster_commands(CLI::App& app, int* exit_code);
void register_events_command(CLI::App& app, int* exit_code);
void register_version_command(CLI::App& app, int* exit_code);
void register_service_create_commands(CLI::App* service, int* exit_code);
void register_completion_command(CLI::App& app, int* exit_code);
void register_system_commands(CLI::App& app, int* exit_code);
void register_exec_command(CLI::App& app, int* exit_code);
void register_volume_commands(CLI::App& app, int* exit_code);
/// `stack rm --volumes`: once the stack is removed, waits (up to --timeout,
/// default 2 minutes) until no task uses its volumes and removes each.
int remove_stack_volumes(const client_options& options, const std::string& stack);
/// `troupe exec ... -- CMD...`: CMD is cut off the line before `app` parses
/// it (CLI11 would hand the words after `--` to the top app); the new argc.
int split_exec_command(const CLI::App& app, int argc, char** argv);

} // namespace troupe::cli
