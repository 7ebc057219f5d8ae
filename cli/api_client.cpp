#include "cli/api_client.hpp"

#include <cstdlib>
#include <filesystem>

#include <zmq.hpp>

#include "config/limits.hpp"

namespace troupe {

namespace {

zmq::context_t& client_context() {
  static zmq::context_t context{1};
  return context;
}

// "5s", "1.5s" or "250ms": the timeout as a user reads it.
std::string timeout_text(int timeout_ms) {
  if (timeout_ms % 1000 == 0)
    return std::to_string(timeout_ms / 1000) + "s";
  if (timeout_ms > 1000 && timeout_ms % 100 == 0)
    return std::to_string(timeout_ms / 1000) + "." +
           std::to_string(timeout_ms % 1000 / 100) + "s";
  return std::to_string(timeout_ms) + "ms";
}

} // namespace

std::string api_endpoint(const std::string& address) {
  if (address.find("://") != std::string::npos)
    return address;
  return "tcp://" + address;
}

std::string resolve_api_address(const std::string& host_flag) {
  if (!host_flag.empty())
    return host_flag;
  const char* env = std::getenv("TROUPE_HOST");
  if (env != nullptr && *env != '\0')
    return env;
  // The local socket of the default data dir (troupe agent with no --api).
  return "ipc://" + std::filesystem::absolute("troupe-data/api.sock").string();
}

bool call_api(const std::string& address, const pb::Request& request,
              pb::Response* response, int timeout_ms, std::string* error) {
  std::string payload;
  if (!request.SerializeToString(&payload)) {
    *error = "cannot encode the request";
    return false;
  }
  auto endpoint = api_endpoint(address);
  if (endpoint.rfind("ipc://", 0) == 0) {
    std::error_code ec;
    if (!std::filesystem::exists(endpoint.substr(6), ec)) {
      *error = "cannot reach the node at " + address
               + " (no such socket); is `troupe agent` running? (--host picks another node)";
      return false;
    }
  }
  try {
    zmq::socket_t socket(client_context(), zmq::socket_type::req);
    socket.set(zmq::sockopt::linger, 0);
    try {
      socket.connect(endpoint);
    } catch (const zmq::error_t&) {
      *error = "invalid node address \"" + address + "\"; expected HOST:PORT";
      return false;
    }
    socket.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms));
    if ((items[0].revents & ZMQ_POLLIN) == 0) {
      *error = "cannot reach the node at " + address + " (no answer in " +
               timeout_text(timeout_ms) + "); is `troupe agent` running?";
      if (payload.size() > input_limits{}.max_request_bytes)
        *error = "the node at " + address + " did not answer a request of "
                 + std::to_string(payload.size() >> 20)
                 + " MiB: nodes close the connection of requests above their limit ("
                 + std::to_string(input_limits{}.max_request_bytes >> 20)
                 + " MiB unless [limits] max_request_size says otherwise)";
      return false;
    }
    zmq::message_t reply;
    if (!socket.recv(reply, zmq::recv_flags::none) ||
        !response->ParseFromArray(reply.data(), static_cast<int>(reply.size()))) {
      *error = "the node at " + address + " sent an answer that is not a valid response";
      return false;
    }
    return true;
  } catch (const zmq::error_t& e) {
    *error = "cannot talk to the node at " + address + ": " + e.what();
    return false;
  }
}

} // namespace troupe
