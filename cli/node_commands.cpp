// `troupe node ls|inspect|drain|activate|update`.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/inspect_view.hpp"
#include "cli/node_args.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

int node_ls(const client_options& o) {
  pb::Request request;
  request.mutable_list_nodes();
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  if (o.format == "json") {
    auto list = nlohmann::json::array();
    for (const auto& node : response.nodes())
      list.push_back(node_summary_json(node));
    print_json(list);
    return 0;
  }
  std::vector<table_row> rows;
  for (const auto& node : response.nodes())
    rows.push_back(node_row(node));
  std::cout << render_table(node_headers(), rows);
  return 0;
}

int node_inspect(const client_options& o, const std::string& name) {
  pb::Request request;
  request.set_inspect_node(name);
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  if (response.nodes_size() == 0)
    return fail("no node named " + name);
  if (o.format == "json")
    print_json(node_summary_json(response.nodes(0)));
  else
    std::cout << node_inspect_text(response.nodes(0), unix_now_ms());
  return 0;
}

// Sends one node update; prints `done` on success.
int send_update(const client_options& o, const pb::NodeUpdate& update,
                const std::string& done) {
  pb::Request request;
  *request.mutable_update_node() = update;
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  std::cout << done << "\n";
  return 0;
}

int node_availability(const client_options& o, const std::string& name,
                      const std::string& availability) {
  pb::NodeUpdate update;
  update.set_name(name);
  update.set_availability(availability);
  return send_update(o, update,
                     availability == "drain"
                       ? "node " + name + " drained: its tasks move to other nodes"
                       : "node " + name + " active: new tasks may be placed on it");
}

pb::Request node_ps_request(const std::string& name) {
  pb::Request r;
  r.set_node_ps(name);
  return r;
}

struct update_options {
  client_options client;
  std::string name;
  std::vector<std::string> adds, removes;
};

int node_update(const update_options& o) {
  pb::NodeUpdate update;
  update.set_name(o.name);
  std::string error;
  if (!parse_label_args(o.adds, o.removes, &update, &error))
    return fail(error);
  return send_update(o.client, update,
                     "node " + o.name
                       + " updated: tasks whose constraints no longer hold"
                         " move to other nodes");
}

// `node drain NAME` / `node activate NAME`.
void add_availability_command(CLI::App* node, const std::string& verb,
                              const std::string& availability,
                              const std::string& help, int* exit_code) {
  auto opts = std::make_shared<client_options>();
  auto name = std::make_shared<std::string>();
  auto* sub = node->add_subcommand(verb, help);
  sub->add_option("NAME", *name, "node name")->required();
  add_client_options(sub, opts.get(), false);
  sub->callback([opts, name, availability, exit_code] {
    *exit_code = node_availability(*opts, *name, availability);
  });
}

} // namespace

void register_node_commands(CLI::App& app, int* exit_code) {
  auto* node = app.add_subcommand("node", "list, inspect, drain and update nodes");
  print_help_when_bare(node);

  auto ls_opts = std::make_shared<client_options>();
  auto* ls = node->add_subcommand("ls", "list the nodes of the cluster");
  add_client_options(ls, ls_opts.get(), true);
  ls->callback([ls_opts, exit_code] { *exit_code = node_ls(*ls_opts); });

  auto in_opts = std::make_shared<client_options>();
  auto name = std::make_shared<std::string>();
  auto* in = node->add_subcommand("inspect", "show one node in detail");
  in->add_option("NAME", *name, "node name")->required();
  add_client_options(in, in_opts.get(), true);
  in->callback([in_opts, name, exit_code] { *exit_code = node_inspect(*in_opts, *name); });

  add_task_listing(node, "ps", "list the tasks on a node, history included", "NODE",
                   "node name", exit_code, node_ps_request);

  add_availability_command(node, "drain", "drain",
                           "place no new tasks on a node and move its tasks away",
                           exit_code);
  add_availability_command(node, "activate", "active",
                           "let the scheduler place tasks on a node again",
                           exit_code);

  auto up = std::make_shared<update_options>();
  auto* upd = node->add_subcommand("update", "add or remove labels of a node");
  upd->add_option("NAME", up->name, "node name")->required();
  upd->add_option("--label-add", up->adds, "add or overwrite a label KEY=VALUE (repeatable)")
    ->allow_extra_args(false);
  upd->add_option("--label-rm", up->removes, "remove a label KEY (repeatable)")
    ->allow_extra_args(false);
  add_client_options(upd, &up->client, false);
  upd->callback([up, exit_code] { *exit_code = node_update(*up); });
}

} // namespace troupe::cli
