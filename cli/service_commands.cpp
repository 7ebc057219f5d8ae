// `troupe service ls|ps|inspect|scale|logs` (create|rm: service_create.cpp).
#include <iostream>
#include <memory>

#include "cli/api_client.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/converge_wait.hpp"
#include "cli/endpoints_view.hpp"
#include "cli/inspect_view.hpp"
#include "cli/interrupt.hpp"
#include "cli/log_view.hpp"
#include "cli/update_wait.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

struct named_options {
  client_options client;
  std::string name;
};

struct scale_options {
  client_options client;
  std::vector<std::string> args;
  bool detach = false;
};

struct logs_options {
  client_options client;
  std::string service;
  std::string task;
  bool follow = false;
  bool timestamps = false;
  uint32_t tail = 0;
  std::string since;  // a duration back from now, or a UTC time
};

int service_ls(const client_options& o) {
  pb::Request request;
  request.mutable_list_services();
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  if (o.format == "json") {
    auto list = nlohmann::json::array();
    for (const auto& service : response.services())
      list.push_back(service_summary_json(service));
    print_json(list);
    return 0;
  }
  std::vector<table_row> rows;
  for (const auto& service : response.services())
    rows.push_back(service_row(service));
  std::cout << render_table(service_headers(), rows);
  return 0;
}

pb::Request service_ps_request(const std::string& name) {
  pb::Request r;
  r.set_service_ps(name);
  return r;
}

int service_inspect(const named_options& o) {
  pb::Request request;
  request.set_inspect_service(o.name);
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  if (response.services_size() == 0)
    return fail("no service named " + o.name);
  if (o.client.format == "json") {
    auto view = service_inspect_json(response.services(0));
    view["routes"] = endpoints_json(response.routes());
    print_json(view);
  } else {
    std::cout << service_inspect_text(response.services(0), unix_now_ms());
    if (!response.routes().empty())
      std::cout << "\nAddresses:\n" << addresses_text(response.routes())
                << "\nEndpoints:\n" << endpoints_text(response.routes());
  }
  return 0;
}

int service_scale(const scale_options& o) {
  std::vector<pb::ScaleService> entries;
  std::string error;
  int64_t timeout_ms = wait_timeout_ms(o.client, 5 * 60 * 1000);
  if (!parse_scale_args(o.args, &entries, &error))
    return fail(error);
  pb::Request request;
  std::vector<std::string> names;
  for (const auto& entry : entries) {
    *request.mutable_scale()->add_services() = entry;
    names.push_back(entry.service());
  }
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  if (!o.detach) {
    install_interrupt_handler();
    wait_options wait;
    wait.address = api_address(o.client);
    wait.timeout_ms = timeout_ms;
    wait.api_timeout_ms = api_timeout_ms;
    if (!wait_for_convergence(wait, names, std::cout, &error))
      return fail(error);
  }
  for (const auto& entry : entries)
    std::cout << "service " << entry.service() << (o.detach ? " scaling to " : " scaled to ")
              << entry.replicas() << "\n";
  return 0;
}

int service_logs(const logs_options& o) {
  std::optional<int64_t> since;
  if (!o.since.empty() && !(since = parse_since_ms(o.since, unix_now_ms())))
    return fail("--since takes a duration such as 10m or a UTC time such as "
                "2026-12-04T20:00:00Z, not '" + o.since.substr(0, 64) + "'");
  // An unknown service is an error, not an empty log.
  pb::Request check;
  check.set_inspect_service(o.service);
  pb::Response known;
  if (!request_api(o.client, check, &known))
    return 1;
  pb::Request request;
  auto* logs = request.mutable_service_logs();
  logs->set_service(o.service);
  logs->set_task_id(o.task);
  logs->set_tail(o.tail);
  logs->set_since_ms(since.value_or(0));
  if (o.follow)
    install_interrupt_handler();
  for (;;) {
    pb::Response response;
    if (!request_api(o.client, request, &response))
      return interrupted() ? 0 : 1;
    std::cout << log_lines_text(response.logs(), o.timestamps) << std::flush;
    if (!o.follow)
      return 0;
    logs->set_tail(0);
    for (const auto& [task, offset] : response.logs().offsets())
      (*logs->mutable_offsets())[task] = offset;
    if (!sleep_unless_interrupted(300))
      return 0;
  }
}

void add_named_service(CLI::App* parent, const char* verb, const char* help,
                       int* exit_code, int (*run)(const named_options&)) {
  auto opts = std::make_shared<named_options>();
  auto* sub = parent->add_subcommand(verb, help);
  sub->add_option("SERVICE", opts->name, "service name (STACK_SERVICE)")->required();
  add_client_options(sub, &opts->client, true);
  sub->callback([=] { *exit_code = run(*opts); });
}

} // namespace

void register_service_commands(CLI::App& app, int* exit_code) {
  auto* service = app.add_subcommand("service", "inspect and change services");
  print_help_when_bare(service);

  auto ls_opts = std::make_shared<client_options>();
  auto* ls = service->add_subcommand("ls", "list services");
  add_client_options(ls, ls_opts.get(), true);
  ls->callback([ls_opts, exit_code] { *exit_code = service_ls(*ls_opts); });

  add_task_listing(service, "ps", "list the tasks of a service", "SERVICE",
                   "service name (STACK_SERVICE)", exit_code, service_ps_request);
  add_named_service(service, "inspect", "show a service in detail", exit_code,
                    service_inspect);
  register_service_endpoints(service, exit_code);

  register_update_commands(service, exit_code);
  register_service_create_commands(service, exit_code);

  auto scale = std::make_shared<scale_options>();
  auto* sc = service->add_subcommand("scale", "set the replica count of services");
  sc->add_option("SERVICE=N", scale->args, "service and replica count, e.g. demo_web=3")
      ->required();
  sc->add_flag("-d,--detach", scale->detach, "do not wait for convergence");
  add_waiting_client_options(sc, &scale->client);  // --timeout: the wait (default 5m)
  sc->callback([scale, exit_code] { *exit_code = service_scale(*scale); });

  auto logs = std::make_shared<logs_options>();
  auto* lg = service->add_subcommand("logs", "print the output of a service's tasks");
  lg->add_option("SERVICE", logs->service, "service name")->required();
  lg->add_flag("-f,--follow", logs->follow, "keep printing new output until Ctrl-C");
  lg->add_option("--tail", logs->tail, "only the last N lines of each task");
  lg->add_option("--task", logs->task, "only this task id");
  lg->add_option("--since", logs->since,
                 "only lines written since a time: a duration back from now (10m) or a UTC "
                 "time (2026-12-04T20:00:00Z)");
  lg->add_flag("-t,--timestamps", logs->timestamps,
               "print the time each line was written (RFC 3339, UTC)");
  add_client_options(lg, &logs->client, false);
  lg->callback([logs, exit_code] { *exit_code = service_logs(*logs); });
}

} // namespace troupe::cli
