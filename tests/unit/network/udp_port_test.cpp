// The DNS responder's UDP socket is not shared: a second bind of the same
// port fails with a sentence instead of silently splitting the queries.
#include <gtest/gtest.h>

#include <unistd.h>

#include "actors/network/sockets.hpp"

namespace troupe::network {
namespace {

TEST(open_udp, a_port_in_use_is_an_error_not_a_shared_socket) {
  std::string error;
  int first = -1;
  std::string address;
  for (int port = 25380; port < 25480 && first < 0; ++port) {
    address = "127.0.0.1:" + std::to_string(port);
    first = open_udp(address, &error);
  }
  ASSERT_GE(first, 0) << error;
  int second = open_udp(address, &error);
  EXPECT_LT(second, 0) << "two sockets share " << address;
  EXPECT_EQ(error, "cannot listen on udp " + address + ": Address already in use");
  if (second >= 0)
    ::close(second);
  ::close(first);
}

} // namespace
} // namespace troupe::network
