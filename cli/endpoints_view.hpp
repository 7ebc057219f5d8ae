// How a service's routes print: its published ports and the live endpoints
// behind each (`troupe service endpoints`, and part of `service inspect`).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <google/protobuf/repeated_field.h>
#include <nlohmann/json.hpp>

#include "messages/troupe.pb.h"

namespace troupe::cli {

using route_list = google::protobuf::RepeatedPtrField<pb::Route>;

/// The DNS names a route answers to (none without a VIP).
std::vector<std::string> dns_names_of(const pb::Route& r);
/// Per port: its VIP and published port; then the service's DNS name.
std::string addresses_text(const route_list& routes);

/// A table: one row per endpoint (a route without any gets one row saying so).
std::string endpoints_text(const route_list& routes);
nlohmann::json endpoints_json(const route_list& routes);

/// The published ports some node could not open, one line each ("8080/http
/// on node n1: Address already in use"); "" when every port opened.
std::string port_errors_text(const pb::Service& svc);

/// Adds `service endpoints SERVICE [--format json]` under `service`.
void register_service_endpoints(CLI::App* service, int* exit_code);

} // namespace troupe::cli
