// The two raw sockets the routing mesh opens itself (CAF's broker takes them
// over as file descriptors): a listening socket that several processes on
// one host may share (SO_REUSEPORT: nodes of a test or local cluster publish
// the same port), and a non-blocking connect that never stalls the broker
// (a failure shows up later as a closed connection).
#pragma once

#include <cstdint>
#include <string>

namespace troupe::network {

/// A listening TCP socket on host:port (IPv4 literal or "0.0.0.0"), or -1
/// with *error set to one sentence.
int open_listener(const std::string& host, uint16_t port, std::string* error);

/// Starts a non-blocking connect to host:port. Returns the socket, or -1 when
/// it failed at once (refused, bad address) with *error set.
int start_connect(const std::string& host, uint16_t port, std::string* error);

} // namespace troupe::network

namespace troupe::network {

/// A bound UDP socket on "HOST:PORT" (not shared: no SO_REUSEPORT), or -1
/// with *error set ("Address already in use" when another process has it).
int open_udp(const std::string& host_port, std::string* error);

} // namespace troupe::network
