#include "actors/network/core/proxy_protocol.hpp"

#include <arpa/inet.h>

namespace troupe::network {

namespace {

bool ipv4(const std::string& text, in_addr* out) {
  return inet_pton(AF_INET, text.c_str(), out) == 1;
}

void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xff);
}

const char v2_signature[] = "\r\n\r\n\0\r\nQUIT\n";  // 12 bytes

} // namespace

std::string proxy_v1(const proxy_addresses& a) {
  in_addr ignored{};
  if (!ipv4(a.source, &ignored) || !ipv4(a.destination, &ignored))
    return "PROXY UNKNOWN\r\n";
  return "PROXY TCP4 " + a.source + " " + a.destination + " "
         + std::to_string(a.source_port) + " " + std::to_string(a.destination_port)
         + "\r\n";
}

std::string proxy_v2(const proxy_addresses& a) {
  std::string out(v2_signature, 12);
  in_addr src{}, dst{};
  if (!ipv4(a.source, &src) || !ipv4(a.destination, &dst)) {
    out += '\x20';  // version 2, LOCAL
    out += '\x00';  // UNSPEC
    put16(out, 0);
    return out;
  }
  out += '\x21';  // version 2, PROXY
  out += '\x11';  // AF_INET, STREAM
  put16(out, 12);
  out.append(reinterpret_cast<const char*>(&src.s_addr), 4);  // network order
  out.append(reinterpret_cast<const char*>(&dst.s_addr), 4);
  put16(out, a.source_port);
  put16(out, a.destination_port);
  return out;
}

std::string proxy_header(const std::string& version, const proxy_addresses& a) {
  if (version == "v1")
    return proxy_v1(a);
  if (version == "v2")
    return proxy_v2(a);
  return {};
}

} // namespace troupe::network
