#include "actors/network/core/dns_answer.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

namespace troupe::network {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A header-only FORMERR for the query's id (and opcode), or nothing.
std::vector<uint8_t> format_error(const uint8_t* q, size_t size) {
  if (size < 12 || (q[2] & 0x80) != 0)
    return {};
  std::vector<uint8_t> out(12, 0);
  out[0] = q[0];
  out[1] = q[1];
  out[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x78));  // QR, opcode
  out[3] = LDNS_RCODE_FORMERR;
  return out;
}

struct pkt_free {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using pkt_ptr = std::unique_ptr<ldns_pkt, pkt_free>;

bool push(ldns_pkt* r, const std::string& text) {
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
    return false;
  return ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
}

} // namespace

dns_names dns_names::from(const pb::RouteTable& table, const std::string& address) {
  dns_names out;
  out.address_ = address;
  std::map<std::string, size_t> index;         // full name -> services_ slot
  std::map<std::string, std::set<std::string>> shorts;  // short -> full names
  for (const auto& r : table.routes()) {
    if (r.vip() == 0 || r.short_name().empty())
      continue;
    auto short_name = lower(r.short_name());
    auto full = short_name + "." + (r.stack().empty() ? "" : lower(r.stack()) + ".")
                + "troupe.";
    auto [it, fresh] = index.emplace(full, out.services_.size());
    if (fresh)
      out.services_.push_back({full, {}});
    out.services_[it->second].ports[lower(r.port_name())] = r.vip();
    shorts[short_name + "."].insert(full);
  }
  for (const auto& [full, slot] : index)
    out.by_name_[full] = slot;
  for (const auto& [name, fulls] : shorts)
    if (fulls.size() == 1 && out.by_name_.count(name) == 0)
      out.by_name_[name] = index.at(*fulls.begin());
  return out;
}

const dns_service* dns_names::find(const std::string& name, std::string* port) const {
  port->clear();
  auto i = by_name_.find(name);
  if (i != by_name_.end())
    return &services_[i->second];
  // _port._tcp.NAME
  if (name.size() > 1 && name[0] == '_') {
    auto dot = name.find('.');
    if (dot != std::string::npos && name.compare(dot, 6, "._tcp.") == 0) {
      auto j = by_name_.find(name.substr(dot + 6));
      if (j != by_name_.end() && services_[j->second].ports.count(name.substr(1, dot - 1))) {
        *port = name.substr(1, dot - 1);
        return &services_[j->second];
      }
    }
  }
  return nullptr;
}

std::vector<uint8_t> dns_answer(const uint8_t* query, size_t size, const dns_names& names,
                                uint32_t ttl) {
  ldns_pkt* parsed = nullptr;
  if (size < 12 || ldns_wire2pkt(&parsed, query, size) != LDNS_STATUS_OK)
    return format_error(query, size);
  pkt_ptr q(parsed);
  if (ldns_pkt_qr(q.get()))
    return {};
  if (ldns_pkt_get_opcode(q.get()) != LDNS_PACKET_QUERY
      || ldns_pkt_qdcount(q.get()) != 1)
    return format_error(query, size);
  ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q.get()), 0);
  char* owner_text = ldns_rdf2str(ldns_rr_owner(question));
  if (owner_text == nullptr)
    return format_error(query, size);
  auto qname = lower(owner_text);
  free(owner_text);
  auto type = ldns_rr_get_type(question);

  pkt_ptr r(ldns_pkt_new());
  ldns_pkt_set_id(r.get(), ldns_pkt_id(q.get()));
  ldns_pkt_set_qr(r.get(), true);
  ldns_pkt_set_aa(r.get(), true);
  ldns_pkt_set_rd(r.get(), ldns_pkt_rd(q.get()));
  ldns_pkt_set_opcode(r.get(), LDNS_PACKET_QUERY);
  ldns_pkt_push_rr(r.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));

  std::string port;
  const auto* svc = names.find(qname, &port);
  auto head = qname + " " + std::to_string(ttl) + " IN ";
  if (svc == nullptr) {
    ldns_pkt_set_rcode(r.get(), LDNS_RCODE_NXDOMAIN);
  } else if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN) {
    // a known name in another class: nothing to say
  } else if ((type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_ANY) && port.empty()) {
    push(r.get(), head + "A " + names.address());
  } else if (type == LDNS_RR_TYPE_SRV || type == LDNS_RR_TYPE_ANY) {
    for (const auto& [name, vip] : svc->ports)
      if (port.empty() || name == port)
        push(r.get(), head + "SRV 0 0 " + std::to_string(vip) + " " + svc->full_name);
  }
  uint8_t* wire = nullptr;
  size_t wire_size = 0;
  if (ldns_pkt2wire(&wire, r.get(), &wire_size) != LDNS_STATUS_OK)
    return {};
  std::vector<uint8_t> out(wire, wire + wire_size);
  LDNS_FREE(wire);
  return out;
}

} // namespace troupe::network
