// `troupe stack deploy|plan|convert|validate|ls|ps|rm`.
#include <iostream>
#include <memory>

#include "cli/api_client.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/converge_wait.hpp"
#include "cli/interrupt.hpp"
#include "cli/stack_plan.hpp"
#include "config/compose_file.hpp"
#include "config/stack_file.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

struct deploy_options {
  client_options client;
  std::string file;
  std::string compose;  // -c FILE
  bool detach = false;
  uint64_t check_index = 0;
  CLI::Option* check = nullptr;  // --check-index given
};

// Loads and validates FILE; prints every error and returns false if any.
// A compose file: `-c`, or a name ending in .yml / .yaml.
bool is_compose(const std::string& file) {
  auto ends = [&](const std::string& tail) {
    return file.size() >= tail.size()
           && file.compare(file.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends(".yml") || ends(".yaml");
}

void print_errors(const std::vector<config_error>& errors) {
  for (const auto& error : errors)
    // A file that cannot be read at all is one sentence of troupe's own.
    std::cerr << (error.line == 0 && error.key.empty() ? "troupe: " : "")
              << error.to_string() << "\n";
}

bool load_stack(const std::string& file, pb::StackSpec* out, bool compose = false) {
  auto result = compose || is_compose(file) ? load_compose_file(file).stack
                                            : load_stack_file(file);
  if (!result.ok()) {
    print_errors(result.errors);
    return false;
  }
  *out = result.stack;
  return true;
}

std::vector<std::string> service_names(const pb::StackSpec& stack) {
  std::vector<std::string> names;
  for (const auto& service : stack.services())
    names.push_back(service.name().empty() ? stack.name() + "_" + service.short_name()
                                           : service.name());
  return names;
}

int stack_deploy(const deploy_options& o) {
  int64_t timeout_ms = wait_timeout_ms(o.client, 5 * 60 * 1000);
  std::string error;
  if (o.file.empty() == o.compose.empty())
    return fail("stack deploy takes a stack file or -c COMPOSE_FILE (one of them)");
  pb::StackSpec stack;
  if (!load_stack(o.compose.empty() ? o.file : o.compose, &stack, !o.compose.empty()))
    return 1;
  pb::Request request;
  *request.mutable_deploy_stack() = stack;
  if (o.check != nullptr && o.check->count() > 0)
    request.mutable_deploy_check()->set_index(o.check_index);
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  auto names = service_names(stack);
  if (o.detach) {
    std::cout << "stack " << stack.name() << " deploying: " << names.size()
              << " services\n";
    return 0;
  }
  install_interrupt_handler();
  wait_options wait;
  wait.address = api_address(o.client);
  wait.timeout_ms = timeout_ms;
  wait.api_timeout_ms = api_timeout_ms;
  if (!wait_for_convergence(wait, names, std::cout, &error))
    return fail(error);
  std::cout << "stack " << stack.name() << " deployed: " << names.size()
            << (names.size() == 1 ? " service" : " services") << " converged\n";
  return 0;
}

struct plan_options {
  client_options client;
  std::string file;
};

// Exit 0: nothing would change; 2: something would; 1: an error.
int stack_plan_command(const plan_options& o) {
  pb::StackSpec stack;
  if (!load_stack(o.file, &stack))
    return 1;
  fill_stack_defaults(&stack);
  stored_stack now;
  if (!read_stored_stack(o.client, stack.name(), &now))
    return 1;
  auto plan = plan_stack(stack, now.specs, now.live_tasks, now.index);
  if (o.client.format == "json") {
    print_json(plan_json(plan));
  } else {
    std::cout << plan_text(plan);
    if (plan.has_changes())
      std::cout << "deploy it only if the stack has not changed since: troupe stack deploy "
                << o.file << " --check-index " << now.index << "\n";
  }
  return plan.has_changes() ? 2 : 0;
}

int stack_convert(const std::string& file) {
  auto result = load_compose_file(file);
  if (!result.ok()) {
    print_errors(result.stack.errors);
    return 1;
  }
  std::cout << result.toml;
  return 0;
}

int stack_validate(const std::string& file) {
  pb::StackSpec stack;
  if (!load_stack(file, &stack))
    return 1;
  std::cout << file << " is valid: stack " << stack.name() << ", "
            << stack.services_size()
            << (stack.services_size() == 1 ? " service" : " services") << "\n";
  return 0;
}

int stack_ls(const client_options& o) {
  pb::Request request;
  request.mutable_list_stacks();
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  if (o.format == "json") {
    auto list = nlohmann::json::array();
    for (const auto& stack : response.stacks())
      list.push_back(stack_summary_json(stack));
    print_json(list);
    return 0;
  }
  int64_t now = unix_now_ms();
  std::vector<table_row> rows;
  for (const auto& stack : response.stacks())
    rows.push_back(stack_row(stack, now));
  std::cout << render_table(stack_headers(), rows);
  return 0;
}

pb::Request stack_ps_request(const std::string& name) {
  pb::Request r;
  r.set_stack_ps(name);
  return r;
}

struct rm_options {
  client_options client;
  std::string name;
  bool volumes = false;
};

int stack_rm(const rm_options& o) {
  pb::Request request;
  request.set_remove_stack(o.name);
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  std::cout << "stack " << o.name << " removed\n";
  return o.volumes ? remove_stack_volumes(o.client, o.name) : 0;
}

} // namespace

void register_stack_commands(CLI::App& app, int* exit_code) {
  auto* stack = app.add_subcommand("stack", "deploy and manage stacks");
  print_help_when_bare(stack);

  auto deploy = std::make_shared<deploy_options>();
  auto* dep = stack->add_subcommand("deploy", "deploy a stack file and wait until it runs");
  dep->add_option("FILE", deploy->file, "stack file (TOML; .yml/.yaml: a compose file)");
  dep->add_option("-c,--compose-file", deploy->compose, "a docker-compose file instead");
  dep->add_flag("-d,--detach", deploy->detach, "do not wait for convergence");
  deploy->check = dep->add_option("--check-index", deploy->check_index,
                                  "refuse unless the stack is still at this index (from "
                                  "`stack plan`; 0 = it must not exist yet)");
  add_waiting_client_options(dep, &deploy->client);  // --timeout: the wait (default 5m)

  auto plan = std::make_shared<plan_options>();
  auto* pl = stack->add_subcommand(
    "plan", "show what deploying a stack file would change; exit 0 no change, 2 changes");
  pl->add_option("FILE", plan->file, "stack file (TOML)")->required();
  add_client_options(pl, &plan->client, true);
  pl->callback([plan, exit_code] { *exit_code = stack_plan_command(*plan); });
  dep->callback([deploy, exit_code] { *exit_code = stack_deploy(*deploy); });

  auto file = std::make_shared<std::string>();
  auto* val = stack->add_subcommand("validate", "check a stack file without deploying it");
  val->add_option("FILE", *file, "stack file (TOML)")->required();
  val->callback([file, exit_code] { *exit_code = stack_validate(*file); });

  auto compose = std::make_shared<std::string>();
  auto* conv = stack->add_subcommand(
    "convert", "print the troupe stack file (TOML) equivalent to a docker-compose file");
  conv->add_option("FILE", *compose, "docker-compose file (YAML)")->required();
  conv->callback([compose, exit_code] { *exit_code = stack_convert(*compose); });

  auto ls_opts = std::make_shared<client_options>();
  auto* ls = stack->add_subcommand("ls", "list stacks");
  add_client_options(ls, ls_opts.get(), true);
  ls->callback([ls_opts, exit_code] { *exit_code = stack_ls(*ls_opts); });

  add_task_listing(stack, "ps", "list the tasks of a stack", "NAME", "stack name", exit_code,
                   stack_ps_request);
  auto rm = std::make_shared<rm_options>();
  auto* r = stack->add_subcommand("rm", "remove a stack and stop its tasks (its volumes stay)");
  r->add_option("NAME", rm->name, "stack name")->required();
  r->add_flag("--volumes", rm->volumes,
              "also remove the stack's volumes and their data, once its tasks have stopped");
  add_waiting_client_options(r, &rm->client);
  r->callback([rm, exit_code] { *exit_code = stack_rm(*rm); });
}

} // namespace troupe::cli
