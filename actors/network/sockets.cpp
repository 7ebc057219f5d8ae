#include "actors/network/sockets.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace troupe::network {

namespace {

bool make_address(const std::string& host, uint16_t port, sockaddr_in* addr) {
  *addr = {};
  addr->sin_family = AF_INET;
  addr->sin_port = htons(port);
  return inet_pton(AF_INET, host.c_str(), &addr->sin_addr) == 1;
}

std::string where(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

} // namespace

int open_listener(const std::string& host, uint16_t port, std::string* error) {
  sockaddr_in addr;
  if (!make_address(host, port, &addr)) {
    *error = "\"" + host + "\" is not an IPv4 address";
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open a socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(fd, 1024) != 0) {
    *error = "cannot listen on " + where(host, port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

int start_connect(const std::string& host, uint16_t port, std::string* error) {
  sockaddr_in addr;
  if (!make_address(host, port, &addr)) {
    *error = "\"" + host + "\" is not an IPv4 address";
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open a socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      && errno != EINPROGRESS) {
    *error = "cannot connect to " + where(host, port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace troupe::network

namespace troupe::network {

int open_udp(const std::string& host_port, std::string* error) {
  auto colon = host_port.rfind(':');
  sockaddr_in addr;
  int port = colon == std::string::npos ? -1 : std::atoi(host_port.c_str() + colon + 1);
  if (port <= 0 || port > 65535
      || !make_address(host_port.substr(0, colon), static_cast<uint16_t>(port), &addr)) {
    *error = "\"" + host_port + "\" is not an IPv4 HOST:PORT";
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open a socket: ") + std::strerror(errno);
    return -1;
  }
  // No SO_REUSEADDR/SO_REUSEPORT: two nodes on one host would silently
  // share (and split) the queries; a port in use is an error.
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    *error = "cannot listen on udp " + host_port + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace troupe::network
