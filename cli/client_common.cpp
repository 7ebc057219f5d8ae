#include <iostream>
#include <memory>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/task_filter.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

void print_help_when_bare(CLI::App* group) {
  group->callback([group] {
    if (group->get_subcommands().empty())
      std::cout << group->help();
  });
}

int fail(const std::string& sentence) {
  std::cerr << "troupe: " << sentence << "\n";
  return 1;
}

std::string api_address(const client_options& options) {
  return resolve_api_address(options.host);
}

bool request_api(const client_options& options, const pb::Request& request,
                 pb::Response* response) {
  std::string error;
  if (!call_api(api_address(options), request, response, request_timeout_ms(options), &error)) {
    fail(error);
    return false;
  }
  if (!response->error().empty()) {
    fail(response->error());
    return false;
  }
  return true;
}

namespace {

struct task_listing {
  client_options client;
  std::string arg;
  task_list_options list;
};

} // namespace

void add_task_listing(CLI::App* parent, const char* verb, const char* help,
                      const char* arg, const char* arg_help, int* exit_code,
                      pb::Request (*make)(const std::string& arg)) {
  auto o = std::make_shared<task_listing>();
  auto* sub = parent->add_subcommand(verb, help);
  sub->add_option(arg, o->arg, arg_help)->required();
  sub->add_option("--filter", o->list.filters,
                  "only tasks with desired-state=S, state=S or node=N (repeatable)")
    ->allow_extra_args(false);
  sub->add_flag("--no-trunc", o->list.no_trunc, "do not cut long messages");
  add_client_options(sub, &o->client, true);
  sub->callback([o, exit_code, make] {
    task_filter filter;
    std::string error;
    if (!parse_task_filters(o->list.filters, &filter, &error)) {
      *exit_code = fail(error);
      return;
    }
    pb::Response response;
    if (!request_api(o->client, make(o->arg), &response)) {
      *exit_code = 1;
      return;
    }
    *exit_code = print_tasks(response, o->client.format, o->list) ? 0 : 1;
  });
}

bool print_tasks(const pb::Response& response, const std::string& format,
                 const task_list_options& list) {
  task_filter filter;
  std::string error;
  if (!parse_task_filters(list.filters, &filter, &error)) {
    fail(error);
    return false;
  }
  if (format == "json") {
    auto out = nlohmann::json::array();
    for (const auto& task : response.tasks())
      if (task_matches(filter, task))
        out.push_back(task_json(task));
    print_json(out);
    return true;
  }
  int64_t now = unix_now_ms();
  std::vector<table_row> rows;
  for (const auto& task : response.tasks()) {
    if (!task_matches(filter, task))
      continue;
    rows.push_back(task_row(task, now));
    if (!list.no_trunc)
      rows.back().back() = truncated(rows.back().back(), 120);
  }
  std::cout << render_table(task_headers(), rows);
  return true;
}

bool read_stored_stack(const client_options& options, const std::string& name,
                       stored_stack* out) {
  *out = {};
  pb::Request request;
  request.set_inspect_stack(name);
  pb::Response response;
  std::string error;
  if (!call_api(api_address(options), request, &response, request_timeout_ms(options),
                &error)) {
    fail(error);
    return false;
  }
  if (response.error() == "no stack named '" + name + "'")
    return true;
  if (!response.error().empty()) {
    fail(response.error());
    return false;
  }
  out->exists = true;
  out->index = response.stacks_size() > 0 ? response.stacks(0).modify_index() : 0;
  for (const auto& summary : response.services())
    out->specs.push_back(summary.service().spec());
  out->live_tasks.assign(response.tasks().begin(), response.tasks().end());
  return true;
}

void print_json(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

} // namespace troupe::cli
