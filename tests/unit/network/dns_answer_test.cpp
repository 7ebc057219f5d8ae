// DNS answers: A/SRV for VIP services, NXDOMAIN, FORMERR, garbage ignored.
#include <gtest/gtest.h>

#include <ldns/ldns.h>

#include "actors/network/core/dns_answer.hpp"

namespace troupe::network {
namespace {

pb::RouteTable table() {
  pb::RouteTable t;
  auto add = [&](const std::string& stack, const std::string& name,
                 const std::string& port, uint32_t vip) {
    auto* r = t.add_routes();
    r->set_service(stack + "_" + name);
    r->set_stack(stack);
    r->set_short_name(name);
    r->set_port_name(port);
    r->set_vip(vip);
  };
  add("demo", "web", "http", 15000);
  add("demo", "web", "admin", 15001);
  add("demo", "db", "pg", 15002);
  add("other", "db", "pg", 15003);  // "db" is not unique
  return t;
}

std::vector<uint8_t> query(const std::string& name, ldns_rr_type type) {
  ldns_pkt* q = ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()), type,
                                   LDNS_RR_CLASS_IN, LDNS_RD);
  ldns_pkt_set_id(q, 4242);
  uint8_t* wire = nullptr;
  size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, q, &size), LDNS_STATUS_OK);
  std::vector<uint8_t> out(wire, wire + size);
  LDNS_FREE(wire);
  ldns_pkt_free(q);
  return out;
}

struct parsed {
  int rcode = -1;
  int id = -1;
  std::vector<std::string> answers;  // rdata fields joined by spaces
};

parsed ask(const std::string& name, ldns_rr_type type) {
  auto names = dns_names::from(table());
  auto q = query(name, type);
  auto reply = dns_answer(q.data(), q.size(), names);
  parsed p;
  ldns_pkt* r = nullptr;
  if (reply.empty() || ldns_wire2pkt(&r, reply.data(), reply.size()) != LDNS_STATUS_OK)
    return p;
  p.rcode = ldns_pkt_get_rcode(r);
  p.id = ldns_pkt_id(r);
  auto* answers = ldns_pkt_answer(r);
  for (size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    auto* rr = ldns_rr_list_rr(answers, i);
    std::string text;
    for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
      char* s = ldns_rdf2str(ldns_rr_rdf(rr, j));
      text += (j ? " " : "") + std::string(s);
      free(s);
    }
    p.answers.push_back(text);
  }
  ldns_pkt_free(r);
  return p;
}

TEST(dns_answer, a_records) {
  struct row {
    const char* name;
    int rcode;
    std::vector<std::string> answers;
  };
  const row rows[] = {
    {"web.demo.troupe.", LDNS_RCODE_NOERROR, {"127.0.0.1"}},
    {"WEB.Demo.troupe.", LDNS_RCODE_NOERROR, {"127.0.0.1"}},
    {"web.", LDNS_RCODE_NOERROR, {"127.0.0.1"}},          // unique short name
    {"db.demo.troupe.", LDNS_RCODE_NOERROR, {"127.0.0.1"}},
    {"db.", LDNS_RCODE_NXDOMAIN, {}},                      // two stacks have a db
    {"nope.demo.troupe.", LDNS_RCODE_NXDOMAIN, {}},
    {"example.com.", LDNS_RCODE_NXDOMAIN, {}},
  };
  for (const auto& r : rows) {
    auto p = ask(r.name, LDNS_RR_TYPE_A);
    EXPECT_EQ(p.rcode, r.rcode) << r.name;
    EXPECT_EQ(p.id, 4242) << r.name;
    EXPECT_EQ(p.answers, r.answers) << r.name;
  }
}

TEST(dns_answer, srv_records) {
  auto p = ask("web.demo.troupe.", LDNS_RR_TYPE_SRV);
  EXPECT_EQ(p.rcode, LDNS_RCODE_NOERROR);
  EXPECT_EQ(p.answers, (std::vector<std::string>{"0 0 15001 web.demo.troupe.",
                                                 "0 0 15000 web.demo.troupe."}));
  auto one = ask("_http._tcp.web.demo.troupe.", LDNS_RR_TYPE_SRV);
  EXPECT_EQ(one.answers, (std::vector<std::string>{"0 0 15000 web.demo.troupe."}));
  EXPECT_EQ(ask("_nope._tcp.web.demo.troupe.", LDNS_RR_TYPE_SRV).rcode,
            LDNS_RCODE_NXDOMAIN);
}

TEST(dns_answer, other_types_of_a_known_name_are_empty) {
  auto p = ask("web.demo.troupe.", LDNS_RR_TYPE_AAAA);
  EXPECT_EQ(p.rcode, LDNS_RCODE_NOERROR);
  EXPECT_TRUE(p.answers.empty());
}

TEST(dns_answer, malformed_packets_get_formerr_or_nothing) {
  auto names = dns_names::from(table());
  // Shorter than a header: nothing.
  uint8_t tiny[5] = {1, 2, 3, 4, 5};
  EXPECT_TRUE(dns_answer(tiny, sizeof(tiny), names).empty());
  // A header that claims a question that is not there: FORMERR, same id.
  uint8_t bad[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  auto reply = dns_answer(bad, sizeof(bad), names);
  ASSERT_EQ(reply.size(), 12u);
  EXPECT_EQ(reply[0], 0x12);
  EXPECT_EQ(reply[1], 0x34);
  EXPECT_EQ(reply[2] & 0x80, 0x80);
  EXPECT_EQ(reply[3] & 0x0f, LDNS_RCODE_FORMERR);
  // A response is never answered (no loops between responders).
  auto q = query("web.demo.troupe.", LDNS_RR_TYPE_A);
  q[2] |= 0x80;
  EXPECT_TRUE(dns_answer(q.data(), q.size(), names).empty());
  // Random bytes never crash.
  std::vector<uint8_t> noise(64);
  uint32_t seed = 7;
  for (int round = 0; round < 2000; ++round) {
    for (auto& b : noise) {
      seed = seed * 1103515245 + 12345;
      b = static_cast<uint8_t>(seed >> 16);
    }
    dns_answer(noise.data(), static_cast<size_t>(round % 64), names);
  }
}

} // namespace
} // namespace troupe::network
