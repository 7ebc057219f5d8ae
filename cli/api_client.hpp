// The client side of the node API: one protobuf Request over ZeroMQ to a
// node's ROUTER socket ("tcp://HOST:PORT"), one Response back, or an error
// sentence when the node cannot be reached within the timeout.
#pragma once

#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

/// "127.0.0.1:7100" -> "tcp://127.0.0.1:7100"; full endpoints pass through.
std::string api_endpoint(const std::string& address);

/// The API address to use: --host if given, else $TROUPE_HOST, else the
/// local socket ipc://$PWD/troupe-data/api.sock (a standalone agent's default).
std::string resolve_api_address(const std::string& host_flag);

/// Sends `request` and waits up to `timeout_ms` for the response. Returns
/// false with *error set when no response came. A response with a non-empty
/// error field is still returned (true): the node answered.
bool call_api(const std::string& address, const pb::Request& request,
              pb::Response* response, int timeout_ms, std::string* error);

} // namespace troupe
