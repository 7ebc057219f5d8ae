#include "cli/endpoints_view.hpp"

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace troupe::cli {

std::vector<std::string> dns_names_of(const pb::Route& r) {
  if (r.vip() == 0 || r.short_name().empty())
    return {};
  return {r.short_name() + "." + r.stack() + ".troupe",
          "_" + r.port_name() + "._tcp." + r.short_name() + "." + r.stack() + ".troupe"};
}

std::string addresses_text(const route_list& routes) {
  std::string out;
  for (const auto& r : routes) {
    out += "  " + r.port_name() + ":";
    if (r.vip())
      out += " vip 127.0.0.1:" + std::to_string(r.vip()) + " (every node)";
    if (r.published())
      out += " published " + std::to_string(r.published()) + " (every node)";
    out += "\n";
  }
  if (!routes.empty() && !dns_names_of(routes[0]).empty())
    out += "  dns: " + dns_names_of(routes[0])[0] + " (A, SRV)\n";
  return out;
}

std::string endpoints_text(const route_list& routes) {
  if (routes.empty())
    return "no published ports\n";
  std::vector<table_row> rows;
  for (const auto& r : routes) {
    const auto& port = r.port_name();
    auto published = (r.published() ? std::to_string(r.published()) : "-") + "/" + port;
    auto vip = r.vip() ? "127.0.0.1:" + std::to_string(r.vip()) : "-";
    if (r.endpoints().empty())
      rows.push_back({published, vip, r.balance(), "-", "-", "(no live endpoint)", "-"});
    for (const auto& ep : r.endpoints())
      rows.push_back({published, vip, r.balance(), ep.task_id(), ep.node(),
                      ep.address() + ":" + std::to_string(ep.port()),
                      ep.health().empty() ? "-" : ep.health()});
  }
  return render_table({"PUBLISHED", "VIP", "BALANCE", "TASK", "NODE", "ADDRESS", "HEALTH"},
                      rows);
}

nlohmann::json endpoints_json(const route_list& routes) {
  auto list = nlohmann::json::array();
  for (const auto& r : routes) {
    auto eps = nlohmann::json::array();
    for (const auto& ep : r.endpoints())
      eps.push_back({{"task", ep.task_id()},
                     {"node", ep.node()},
                     {"address", ep.address() + ":" + std::to_string(ep.port())},
                     {"health", ep.health()}});
    list.push_back({{"service", r.service()},
                    {"port", r.port_name()},
                    {"published", r.published()},
                    {"vip", r.vip() ? "127.0.0.1:" + std::to_string(r.vip()) : ""},
                    {"dns", dns_names_of(r)},
                    {"balance", r.balance()},
                    {"proxy_protocol", r.proxy_protocol()},
                    {"endpoints", eps}});
  }
  return list;
}

std::string port_errors_text(const pb::Service& svc) {
  std::string out;
  for (const auto& p : svc.port_errors())
    out += std::to_string(p.published()) + "/" + p.port_name() + " on node "
           + p.node() + ": " + p.error() + "\n";
  return out;
}

namespace {

struct endpoints_options {
  client_options client;
  std::string name;
};

int service_endpoints(const endpoints_options& o) {
  pb::Request request;
  request.set_service_endpoints(o.name);
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  const pb::Service* svc =
    response.services_size() > 0 ? &response.services(0).service() : nullptr;
  if (o.client.format == "json") {
    auto json = endpoints_json(response.routes());
    if (svc)  // each route: the nodes where its published port did not open
      for (auto& route : json) {
        auto refused = nlohmann::json::array();
        for (const auto& p : svc->port_errors())
          if (p.published() == route["published"].get<uint32_t>())
            refused.push_back({{"node", p.node()}, {"error", p.error()}});
        route["refused"] = refused;
      }
    print_json(json);
  } else {
    std::cout << endpoints_text(response.routes());
    if (svc && svc->port_errors_size() > 0)
      std::cout << "not listening:\n" << port_errors_text(*svc);
  }
  return 0;
}

} // namespace

void register_service_endpoints(CLI::App* service, int* exit_code) {
  auto opts = std::make_shared<endpoints_options>();
  auto* sub = service->add_subcommand(
    "endpoints", "list the live endpoints behind a service's published ports");
  sub->add_option("SERVICE", opts->name, "full service name, e.g. demo_web")->required();
  add_client_options(sub, &opts->client, true);
  sub->callback([opts, exit_code] { *exit_code = service_endpoints(*opts); });
}

} // namespace troupe::cli
