// The client side of the node API: one protobuf Request over ZeroMQ to a
// node's ROUTER socket ("tcp://HOST:PORT" or "ipc://PATH"), one Response
// back, or an error sentence when no node could be reached. The address may
// be a comma-separated list (endpoint_list.hpp): the endpoints are tried in
// turn, starting from the one that answered last (remembered in the client
// state dir), moving on after a connection error or a timeout. A tcp
// endpoint is probed first, so a refused connection fails at once and an
// unreachable host within 1s, not after the request timeout. call_api may be
// called from several threads at once (`troupe exec`'s input and output).
#pragma once

#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

/// Process-wide settings of the client, set once by `main` before any call.
struct api_client_settings {
  bool verbose = false;   // -v: say on stderr which endpoint answered
  std::string state_dir;  // where the last endpoint is remembered ("" = nowhere)
};
void set_api_client_settings(const api_client_settings& settings);

/// How long a tcp endpoint may take to accept a connection.
constexpr int connect_timeout_ms = 1000;

/// "127.0.0.1:7100" -> "tcp://127.0.0.1:7100"; full endpoints pass through.
std::string api_endpoint(const std::string& address);

/// The API address to use: --host if given, else $TROUPE_HOST, else the
/// local socket ipc://$PWD/troupe-data/api.sock (a standalone agent's default).
std::string resolve_api_address(const std::string& host_flag);

/// Sends `request` and waits up to `timeout_ms` (per endpoint) for the
/// response. Returns false with *error set when no endpoint answered. A
/// response with a non-empty error field is still returned (true): the node
/// answered.
bool call_api(const std::string& address, const pb::Request& request,
              pb::Response* response, int timeout_ms, std::string* error);

/// The endpoint that answered the last successful call_api ("" = none yet).
std::string last_answered_endpoint();

} // namespace troupe
