// Bad input gets one clear error and changes nothing: a broken stack file,
// an unknown service, an unreachable node, garbage bytes on the API socket.
#include <regex>
#include <sstream>

#include "messages/troupe.pb.h"
#include "tests/integration/harness.hpp"
#include "tests/integration/raw_zmtp.hpp"

namespace troupe::itest {
namespace {

using bad_input = agent_test;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

TEST_F(bad_input, stack_file_with_three_mistakes_is_refused_with_positions) {
  auto file = stack_file("broken.toml",
                         "[stack]\n"                              // 1
                         "name = \"broken\"\n"                    // 2
                         "\n"                                     // 3
                         "[services.web]\n"                       // 4
                         "command = [\"/bin/true\"]\n"            // 5
                         "replica = 2\n"                          // 6
                         "stop_grace_period = \"5\"\n"            // 7
                         "\n"                                     // 8
                         "[services.web.restart]\n"               // 9
                         "condition = \"sometimes\"\n");          // 10
  auto r = agent_->cli({"stack", "deploy", file});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 3u) << r.describe();
  const std::regex shape(std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"),
                                            R"(\$&)") +
                         R"(:(\d+):(\d+): (services\.web\.[a-z_.]+): .+)");
  struct expected {
    int line;
    std::string key;
  };
  const std::vector<expected> want{{6, "services.web.replica"},
                                   {7, "services.web.stop_grace_period"},
                                   {10, "services.web.restart.condition"}};
  for (size_t i = 0; i < want.size(); ++i) {
    bool found = false;
    for (const auto& line : lines) {
      std::smatch m;
      if (std::regex_match(line, m, shape) && std::stoi(m[1]) == want[i].line &&
          std::stoi(m[2]) >= 1 && m[3] == want[i].key)
        found = true;
    }
    EXPECT_TRUE(found) << "no error for " << want[i].key << " at line " << want[i].line
                       << " in:\n" << r.err;
  }
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}), json::array());
  EXPECT_EQ(agent_->cli_json({"service", "ls"}), json::array());
}

TEST_F(bad_input, scaling_an_unknown_service_is_one_sentence) {
  auto r = agent_->cli({"service", "scale", "nosuch_web=2"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
  auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_EQ(lines[0].rfind("troupe: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("nosuch_web"), std::string::npos) << lines[0];
}

TEST_F(bad_input, unreachable_node_is_reported_in_one_sentence) {
  auto closed = "127.0.0.1:" + std::to_string(free_port());
  auto r = run_command({TROUPE_BINARY, "stack", "ls", "--host", closed}, dir_.path(), 60000);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_NE(lines[0].find("troupe: cannot reach the node at " + closed), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("is `troupe agent` running?"), std::string::npos) << lines[0];
}

TEST_F(bad_input, garbage_on_the_api_socket_gets_an_error_and_the_node_keeps_serving) {
  auto host = agent_->host();
  int port = std::stoi(host.substr(host.rfind(':') + 1));
  const std::vector<std::string> garbage{
      "not a troupe request \x01\x02",      // invalid wire types
      std::string(1000, '\xff'),            // an endless varint, in a long frame
      std::string("\x0a\x05\x01", 3),       // a field cut short
      "",                                   // valid protobuf, but no operation
  };
  for (const auto& body : garbage) {
    std::string reply, error;
    ASSERT_TRUE(zmtp_request(port, body, &reply, 15000, &error))
        << error << " (body of " << body.size() << " bytes)";
    pb::Response response;
    ASSERT_TRUE(response.ParseFromString(reply)) << "reply is not a Response";
    EXPECT_FALSE(response.error().empty()) << "no error for a body of " << body.size()
                                           << " bytes: " << response.DebugString();
  }
  auto r = agent_->cli({"node", "ls"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("n1"), std::string::npos) << r.out;
}

int api_port(const agent& a) {
  return std::stoi(a.host().substr(a.host().rfind(':') + 1));
}

TEST_F(bad_input, a_huge_replica_count_sent_straight_to_the_api_is_refused_and_changes_nothing) {
  auto file = stack_file("lim.toml",
                         "[stack]\nname = \"lim\"\n\n[services.web]\n"
                         "command = [\"/bin/sh\", \"-c\", \"sleep 1000\"]\nreplicas = 1\n");
  ASSERT_EQ(agent_->cli({"stack", "deploy", file, "--timeout", "60s"}).exit_code, 0);
  pb::Request req;
  auto* s = req.mutable_scale()->add_services();
  s->set_service("lim_web");
  s->set_replicas(4294967295u);
  std::string reply, error;
  ASSERT_TRUE(zmtp_request(api_port(*agent_), req.SerializeAsString(), &reply, 15000, &error))
      << error;
  pb::Response response;
  ASSERT_TRUE(response.ParseFromString(reply));
  EXPECT_NE(response.error().find("cannot be scaled to 4294967295 replicas: the limit is 10000"),
            std::string::npos)
      << response.DebugString();
  EXPECT_EQ(agent_->service("lim_web").value("replicas_desired", -1), 1);

  // The same ceiling in `stack validate` and `stack deploy`.
  auto big = stack_file("big.toml",
                        "[stack]\nname = \"big\"\n\n[services.web]\n"
                        "command = [\"/bin/true\"]\nreplicas = 1000000000\n");
  auto v = run_command({TROUPE_BINARY, "stack", "validate", big}, dir_.path());
  EXPECT_EQ(v.exit_code, 1) << v.describe();
  EXPECT_NE(v.err.find("services.web.replicas: 1000000000 is above the limit of 10000"),
            std::string::npos)
      << v.describe();
  // A stack built by a third-party client, past the stack file checks.
  pb::Request deploy;
  auto* st = deploy.mutable_deploy_stack();
  st->set_name("raw");
  auto* svc = st->add_services();
  svc->set_name("raw_web");
  svc->set_short_name("web");
  svc->set_stack("raw");
  svc->add_command("/bin/true");
  svc->set_replicas(50000);
  svc->add_command(std::string(200 << 10, 'x'));
  ASSERT_TRUE(zmtp_request(api_port(*agent_), deploy.SerializeAsString(), &reply, 15000, &error))
      << error;
  ASSERT_TRUE(response.ParseFromString(reply));
  EXPECT_NE(response.error().find("services.web.replicas: 50000 is above the limit"),
            std::string::npos) << response.error();
  EXPECT_NE(response.error().find("services.web.command: is 204809 bytes long"),
            std::string::npos) << response.error();
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}).size(), 1u);
}

TEST_F(bad_input, a_request_above_the_size_limit_is_dropped_and_the_node_keeps_serving) {
  std::string reply, error;
  auto started = now_ms();
  EXPECT_FALSE(zmtp_request(api_port(*agent_), std::string(20 << 20, 'x'), &reply, 30000, &error))
      << "a 20 MiB request was answered";
  EXPECT_LT(now_ms() - started, 25000) << "the connection was not closed: " << error;
  auto r = agent_->cli({"node", "ls"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

TEST_F(bad_input, invalid_utf8_in_requests_writes_a_rate_limited_log) {
  // A string field with bytes that are not UTF-8, sent as a third-party
  // client would (protobuf does not check the bytes a test writes by hand).
  std::string bad = "\xff\xfe\xfd";
  // field 2 (remove_stack, a string), length-delimited
  std::string body = std::string("\x12") + static_cast<char>(bad.size()) + bad;
  for (int i = 0; i < 200; ++i) {
    std::string reply, error;
    ASSERT_TRUE(zmtp_request(api_port(*agent_), body, &reply, 15000, &error)) << error;
  }
  ASSERT_EQ(agent_->cli({"node", "ls"}).exit_code, 0);
  auto log = agent_->log();
  size_t lines = 0;
  for (size_t at = log.find("protobuf"); at != std::string::npos;
       at = log.find("protobuf", at + 1))
    ++lines;
  EXPECT_LE(lines, 11u) << log.substr(0, 3000);
}

TEST_F(bad_input, a_stack_file_above_4_mib_is_refused_with_a_sentence) {
  auto file = stack_file("huge.toml", "[stack]\nname = \"huge\"\n#" + std::string(5 << 20, 'x')
                                          + "\n");
  auto r = run_command({TROUPE_BINARY, "stack", "validate", file}, dir_.path());
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("above the limit of 4194304 bytes (4 MiB)"), std::string::npos)
      << r.describe();
}

} // namespace
} // namespace troupe::itest
