// A ZeroMQ REQ peer written by hand over a TCP socket (ZMTP 3.0, NULL
// security), so tests can send arbitrary bytes to a node's API as a
// third-party client would, without linking libzmq.
#pragma once

#include <string>

namespace troupe::itest {

/// Sends `body` as one REQ message to 127.0.0.1:port and waits up to
/// timeout_ms for the one-frame reply. False with *error on any failure.
bool zmtp_request(int port, const std::string& body, std::string* reply,
                  int timeout_ms, std::string* error);

} // namespace troupe::itest
