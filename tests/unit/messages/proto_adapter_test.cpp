// The protobuf adapter: a message survives CAF's binary serialization, and
// bytes that are not a message are an error rather than a half-filled object.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/interfaces.hpp"

namespace {

struct proto_adapter : ::testing::Test {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  void SetUp() override {
    cfg.add_message_types<caf::id_block::troupe>();
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

TEST_F(proto_adapter, task_round_trips_through_caf_serialization) {
  troupe::pb::Task in;
  in.set_id("demo_web.1.abc");
  in.set_state(troupe::pb::RUNNING);
  (*in.mutable_host_ports())["http"] = 20001;
  std::vector<char> buf;
  caf::binary_serializer sink{*sys, buf};
  ASSERT_FALSE(sink(in));
  troupe::pb::Task out;
  caf::binary_deserializer source{*sys, buf};
  ASSERT_FALSE(source(out));
  EXPECT_EQ(out.id(), "demo_web.1.abc");
  EXPECT_EQ(out.state(), troupe::pb::RUNNING);
  EXPECT_EQ(out.host_ports().at("http"), 20001u);
}

TEST_F(proto_adapter, garbage_bytes_are_an_error) {
  std::string garbage = "\xff\xff\xff\xff\x0f";
  std::vector<char> buf;
  caf::binary_serializer sink{*sys, buf};
  ASSERT_FALSE(sink(garbage));
  troupe::pb::Task out;
  caf::binary_deserializer source{*sys, buf};
  EXPECT_TRUE(source(out));
}

} // namespace
