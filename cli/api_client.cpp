#include "cli/api_client.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zmq.hpp>

#include "cli/endpoint_list.hpp"
#include "messages/build_info.hpp"
#include "config/limits.hpp"

namespace troupe {

namespace {

api_client_settings settings_;
std::mutex mtx_;            // guards what follows: `troupe exec` calls from two threads
std::string answered_;      // the endpoint of the last successful call
std::string reported_;      // the last one -v named
bool remembered_read_ = false;
std::string remembered_;    // the content of the state file

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

std::string state_file() {
  return settings_.state_dir.empty() ? "" : settings_.state_dir + "/last-endpoint";
}

const std::string& remembered() {
  if (!remembered_read_) {
    remembered_read_ = true;
    if (auto path = state_file(); !path.empty()) {
      std::ifstream in(path);
      std::getline(in, remembered_);
      if (remembered_.size() > 4096)
        remembered_.clear();
    }
  }
  return remembered_;
}

// Best effort: a client that cannot write its state dir still works.
void remember(const std::string& endpoint) {
  if (endpoint == remembered())
    return;
  remembered_ = endpoint;
  auto path = state_file();
  if (path.empty())
    return;
  std::error_code ec;
  std::filesystem::create_directories(settings_.state_dir, ec);
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << endpoint << "\n";
    if (!out)
      return;
  }
  std::filesystem::rename(tmp, path, ec);
}

// Polls `items` until one is ready or timeout_ms has passed, across
// signals (SIGWINCH, SIGCHLD, and those `troupe exec` forwards end a poll
// early): zmq_poll's result, never -1 for EINTR.
int poll_within(zmq::pollitem_t* items, int count, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int rc;
  do {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
    rc = zmq_poll(items, count, static_cast<long>(std::max<int64_t>(0, left)));
  } while (rc < 0 && zmq_errno() == EINTR);
  return rc;
}

// Connects a plain TCP socket to HOST:PORT of `endpoint` (tcp://HOST:PORT)
// within connect_timeout_ms: "" when it accepted, else why not.
std::string probe_tcp(const std::string& endpoint, int budget_ms) {
  std::string rest = endpoint.substr(6);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    return "not HOST:PORT";
  std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "*")
    return "not a host to connect to";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
  std::string why = "no address";
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      zmq::pollitem_t p{nullptr, fd, ZMQ_POLLOUT, 0};
      rc = poll_within(&p, 1, budget_ms);
      if (rc == 0) {
        why = "no connection in " + timeout_text(budget_ms);
        close(fd);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      close(fd);
      freeaddrinfo(found);
      return "";
    }
    why = errno == ECONNREFUSED ? "connection refused" : std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return why;
}

enum class outcome { answered, unreachable, fatal };

// An unreachable node's sentence ends with the question a user should ask.
std::string with_hint(const std::string& why) {
  if (why.rfind("cannot reach", 0) != 0 && why.rfind("no node of", 0) != 0)
    return why;
  if (why.find("troupe agent") != std::string::npos)
    return why;
  return why + "; is `troupe agent` running?";
}

// One endpoint: probe (tcp), send, wait. *error is a sentence about it.
outcome call_one(const std::string& address, const std::string& payload,
                 pb::Response* response, int timeout_ms, std::string* error) {
  auto endpoint = api_endpoint(address);
  if (endpoint.rfind("ipc://", 0) == 0) {
    std::error_code ec;
    if (!std::filesystem::exists(endpoint.substr(6), ec)) {
      *error = "cannot reach the node at " + address
               + " (no such socket); is `troupe agent` running? (--host picks another node)";
      return outcome::unreachable;
    }
  } else if (endpoint.rfind("tcp://", 0) == 0) {
    auto why = probe_tcp(endpoint, std::min(timeout_ms, connect_timeout_ms));
    if (!why.empty()) {
      *error = "cannot reach the node at " + address + " (" + why + ")";
      return outcome::unreachable;
    }
  }
  try {
    zmq::socket_t socket(client_context(), zmq::socket_type::req);
    socket.set(zmq::sockopt::linger, 0);
    try {
      socket.connect(endpoint);
    } catch (const zmq::error_t&) {
      *error = "invalid node address \"" + address + "\"; expected HOST:PORT";
      return outcome::fatal;
    }
    socket.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    if (poll_within(items, 1, timeout_ms) < 0)
      throw zmq::error_t();
    if ((items[0].revents & ZMQ_POLLIN) == 0) {
      *error = "cannot reach the node at " + address + " (no answer in " +
               timeout_text(timeout_ms) + ")";
      if (payload.size() > input_limits{}.max_request_bytes) {
        *error = "the node at " + address + " did not answer a request of "
                 + std::to_string(payload.size() >> 20)
                 + " MiB: nodes close the connection of requests above their limit ("
                 + std::to_string(input_limits{}.max_request_bytes >> 20)
                 + " MiB unless [limits] max_request_size says otherwise)";
        return outcome::fatal;
      }
      return outcome::unreachable;
    }
    zmq::message_t reply;
    if (!socket.recv(reply, zmq::recv_flags::none) ||
        !response->ParseFromArray(reply.data(), static_cast<int>(reply.size()))) {
      *error = "the node at " + address + " sent an answer that is not a valid response";
      return outcome::fatal;
    }
    return outcome::answered;
  } catch (const zmq::error_t& e) {
    *error = "cannot talk to the node at " + address + ": " + e.what();
    return outcome::unreachable;
  }
}

} // namespace

void set_api_client_settings(const api_client_settings& settings) {
  settings_ = settings;
  remembered_read_ = false;
}

std::string last_answered_endpoint() {
  std::lock_guard<std::mutex> guard(mtx_);
  return answered_;
}

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
  pb::Request stamped = request;
  stamped.set_api_level(api_level);
  std::string payload;
  if (!stamped.SerializeToString(&payload)) {
    *error = "cannot encode the request";
    return false;
  }
  std::vector<std::string> endpoints;
  if (!cli::parse_endpoint_list(address, &endpoints, error))
    return false;
  bool many = endpoints.size() > 1;
  std::string why_all;
  std::string last;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    last = remembered();
  }
  for (const auto& endpoint : cli::failover_order(endpoints, last)) {
    std::string why;
    auto result = call_one(endpoint, payload, response, timeout_ms, &why);
    if (result == outcome::answered) {
      std::lock_guard<std::mutex> guard(mtx_);
      answered_ = endpoint;
      if (many)
        remember(endpoint);
      if (settings_.verbose && reported_ != endpoint) {
        reported_ = endpoint;
        std::cerr << "troupe: answered by " << endpoint << "\n";
      }
      return true;
    }
    if (settings_.verbose && many)
      std::cerr << "troupe: " << why << "; trying the next node\n";
    if (result == outcome::fatal || !many) {
      *error = with_hint(why);
      return false;
    }
    why_all += (why_all.empty() ? "" : "; ") + why;
  }
  *error = with_hint("no node of " + address + " answered: " + why_all);
  return false;
}

} // namespace troupe
