// PROXY protocol headers against the examples of HAProxy's proxy-protocol.txt.
#include <gtest/gtest.h>

#include "actors/network/core/proxy_protocol.hpp"

namespace troupe::network {
namespace {

TEST(proxy_protocol, v1_tcp4_as_in_the_spec) {
  // "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" (section 2.1)
  EXPECT_EQ(proxy_v1({"192.168.0.1", 56324, "192.168.0.11", 443}),
            "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  EXPECT_EQ(proxy_v1({"", 0, "", 0}), "PROXY UNKNOWN\r\n");
  EXPECT_EQ(proxy_v1({"::1", 1, "10.0.0.1", 2}), "PROXY UNKNOWN\r\n");
  // at most 107 bytes (the spec's bound for TCP4/TCP6)
  EXPECT_LE(proxy_v1({"255.255.255.255", 65535, "255.255.255.255", 65535}).size(), 107u);
}

TEST(proxy_protocol, v2_tcp4_bytes) {
  auto h = proxy_v2({"192.168.0.1", 56324, "192.168.0.11", 443});
  const unsigned char want[] = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,  // signature
    0x21,        // version 2, PROXY
    0x11,        // TCP over IPv4
    0x00, 0x0C,  // 12 address bytes
    192, 168, 0, 1,   192, 168, 0, 11,  // src, dst
    0xDC, 0x04,  // 56324
    0x01, 0xBB,  // 443
  };
  ASSERT_EQ(h.size(), sizeof(want));
  for (size_t i = 0; i < sizeof(want); ++i)
    EXPECT_EQ(static_cast<unsigned char>(h[i]), want[i]) << "byte " << i;
}

TEST(proxy_protocol, v2_local_without_addresses) {
  auto h = proxy_v2({});
  ASSERT_EQ(h.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(h[12]), 0x20);
  EXPECT_EQ(static_cast<unsigned char>(h[13]), 0x00);
  EXPECT_EQ(h[14], 0);
  EXPECT_EQ(h[15], 0);
}

TEST(proxy_protocol, by_version_name) {
  proxy_addresses a{"10.0.0.1", 1000, "10.0.0.2", 80};
  EXPECT_EQ(proxy_header("v1", a), proxy_v1(a));
  EXPECT_EQ(proxy_header("v2", a), proxy_v2(a));
  EXPECT_EQ(proxy_header("", a), "");
}

} // namespace
} // namespace troupe::network
