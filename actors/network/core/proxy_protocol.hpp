// HAProxy's PROXY protocol header (versions 1 and 2), which a load balancer
// sends to a task before the client's bytes so the task learns the client's
// original address (PortSpec.proxy_protocol = "v1" | "v2"). Pure encoder of
// the spec's TCP over IPv4 form; anything else (no address) is encoded as
// v1 "UNKNOWN" / v2 LOCAL, which receivers accept and ignore.
#pragma once

#include <cstdint>
#include <string>

namespace troupe::network {

struct proxy_addresses {
  std::string source;       // the client, IPv4 dotted quad
  uint16_t source_port = 0;
  std::string destination;  // the address the client connected to
  uint16_t destination_port = 0;
};

/// "PROXY TCP4 SRC DST SPORT DPORT\r\n" (or "PROXY UNKNOWN\r\n").
std::string proxy_v1(const proxy_addresses& a);

/// The binary v2 header: signature, PROXY command, TCP over IPv4 (or LOCAL).
std::string proxy_v2(const proxy_addresses& a);

/// By version name ("v1", "v2"); "" for anything else.
std::string proxy_header(const std::string& version, const proxy_addresses& a);

} // namespace troupe::network
