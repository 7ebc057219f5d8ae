// The DNS answers of the discovery responder (dns_responder.hpp), pure: a
// query packet in, the response packet out (wire format via ldns).
//
// Names come from the route table: every service with a VIP answers as
// `<service>.<stack>.troupe.` and, when no other stack has a service of that
// short name, as `<service>.` — A with the VIP address (127.0.0.1: the VIP
// listens there on every node), SRV with one record per port (priority 0,
// weight 0, the VIP port, target the service's full name), and
// `_<port>._tcp.<service>.<stack>.troupe.` SRV for one port. Names are
// case-insensitive. An unknown name gets NXDOMAIN, a known name asked for
// another type an empty NOERROR. A packet that does not parse as one query
// gets FORMERR when it has a header, and nothing otherwise; responses are
// never answered.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::network {

struct dns_service {
  std::string full_name;                 // "web.demo.troupe."
  std::map<std::string, uint32_t> ports; // port name -> VIP port
};

class dns_names {
public:
  /// The names of `table`'s routes that have a VIP, answering `address`.
  static dns_names from(const pb::RouteTable& table, const std::string& address = "127.0.0.1");

  /// The service a lower-case, dot-terminated name is, or nullptr; *port
  /// gets the port label of a `_port._tcp.` name ("" otherwise).
  const dns_service* find(const std::string& name, std::string* port) const;
  const std::string& address() const { return address_; }
  size_t size() const { return by_name_.size(); }

private:
  std::string address_;
  std::vector<dns_service> services_;
  std::map<std::string, size_t> by_name_;  // full and unique short names
};

/// The response to `query` (empty: send nothing).
std::vector<uint8_t> dns_answer(const uint8_t* query, size_t size, const dns_names& names,
                                uint32_t ttl = 5);

} // namespace troupe::network
