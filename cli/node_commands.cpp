// `troupe node ls|inspect`.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/inspect_view.hpp"

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
    std::cout << node_inspect_text(response.nodes(0), now_unix_ms());
  return 0;
}

} // namespace

void register_node_commands(CLI::App& app, int* exit_code) {
  auto* node = app.add_subcommand("node", "list and inspect nodes");
  node->require_subcommand(1);

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
}

} // namespace troupe::cli
