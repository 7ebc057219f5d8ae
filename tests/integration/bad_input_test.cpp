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

} // namespace
} // namespace troupe::itest
