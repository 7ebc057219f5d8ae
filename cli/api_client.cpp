#include "cli/api_client.hpp"

#include <cstdlib>

#include <zmq.hpp>

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
  return "127.0.0.1:7100";
}

bool call_api(const std::string& address, const pb::Request& request,
              pb::Response* response, int timeout_ms, std::string* error) {
  std::string payload;
  if (!request.SerializeToString(&payload)) {
    *error = "cannot encode the request";
    return false;
  }
  try {
    zmq::socket_t socket(client_context(), zmq::socket_type::req);
    socket.set(zmq::sockopt::linger, 0);
    try {
      socket.connect(api_endpoint(address));
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
