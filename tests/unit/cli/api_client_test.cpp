#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <zmq.hpp>

#include "cli/api_client.hpp"

namespace troupe {
namespace {

// A ROUTER on an ephemeral loopback port that answers `answers` requests:
// a list_nodes request gets one node named "echo"; anything else an error.
class echo_server {
public:
  explicit echo_server(int answers) : socket_(context_, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this, answers] { serve(answers); });
  }
  ~echo_server() { thread_.join(); }
  std::string address() const { return endpoint_.substr(std::string("tcp://").size()); }

private:
  void serve(int answers) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    for (int i = 0; i < answers; ++i) {
      if (zmq::poll(items, 1, std::chrono::seconds(30)) == 0)
        return;  // bounded: the test failed already
      zmq::message_t id, empty, body;
      (void)socket_.recv(id);
      (void)socket_.recv(empty);
      (void)socket_.recv(body);
      pb::Request request;
      pb::Response response;
      if (request.ParseFromArray(body.data(), static_cast<int>(body.size())) &&
          request.has_list_nodes())
        response.add_nodes()->mutable_node()->set_name("echo");
      else
        response.set_error("unknown request");
      std::string out;
      response.SerializeToString(&out);
      socket_.send(id, zmq::send_flags::sndmore);
      socket_.send(zmq::message_t(), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(out), zmq::send_flags::none);
    }
  }

  zmq::context_t context_;
  zmq::socket_t socket_;
  std::string endpoint_;
  std::thread thread_;
};

TEST(call_api, sends_a_request_and_returns_the_response) {
  echo_server server(2);
  pb::Request request;
  request.mutable_list_nodes();
  pb::Response response;
  std::string error;
  ASSERT_TRUE(call_api(server.address(), request, &response, 10000, &error)) << error;
  ASSERT_EQ(response.nodes_size(), 1);
  EXPECT_EQ(response.nodes(0).node().name(), "echo");

  pb::Request other;
  other.set_remove_stack("x");
  ASSERT_TRUE(call_api(server.address(), other, &response, 10000, &error)) << error;
  EXPECT_EQ(response.error(), "unknown request");  // the node answered: true
}

TEST(call_api, no_answer_is_an_error_sentence_after_the_timeout) {
  // A bound socket that never answers: the request is delivered, no reply.
  zmq::context_t context;
  zmq::socket_t silent(context, zmq::socket_type::router);
  silent.set(zmq::sockopt::linger, 0);
  silent.bind("tcp://127.0.0.1:*");
  std::string address = silent.get(zmq::sockopt::last_endpoint).substr(6);
  pb::Request request;
  request.mutable_list_nodes();
  pb::Response response;
  std::string error;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(call_api(address, request, &response, 200, &error));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_EQ(error, "cannot reach the node at " + address +
                       " (no answer in 200ms); is `troupe agent` running?");
}

TEST(call_api, a_malformed_address_is_an_error_not_a_crash) {
  pb::Request request;
  pb::Response response;
  std::string error;
  EXPECT_FALSE(call_api("not an address", request, &response, 100, &error));
  EXPECT_FALSE(error.empty());
}

TEST(api_endpoint, prefixes_tcp_unless_a_scheme_is_given) {
  EXPECT_EQ(api_endpoint("127.0.0.1:7100"), "tcp://127.0.0.1:7100");
  EXPECT_EQ(api_endpoint("ipc:///tmp/troupe.sock"), "ipc:///tmp/troupe.sock");
}

TEST(resolve_api_address, flag_then_environment_then_default) {
  const char* saved = std::getenv("TROUPE_HOST");
  std::string keep = saved ? saved : "";
  unsetenv("TROUPE_HOST");
  EXPECT_EQ(resolve_api_address(""), "ipc://" + std::filesystem::absolute("troupe-data/api.sock").string())
      << "the default is the local socket of ./troupe-data";
  setenv("TROUPE_HOST", "node1.example:7000", 1);
  EXPECT_EQ(resolve_api_address(""), "node1.example:7000");
  EXPECT_EQ(resolve_api_address("127.0.0.1:9"), "127.0.0.1:9");
  if (saved)
    setenv("TROUPE_HOST", keep.c_str(), 1);
  else
    unsetenv("TROUPE_HOST");
}

} // namespace
} // namespace troupe

namespace troupe {
namespace {

std::string closed_port_address() {
  zmq::context_t context;
  zmq::socket_t s(context, zmq::socket_type::router);
  s.bind("tcp://127.0.0.1:*");
  return s.get(zmq::sockopt::last_endpoint).substr(6);  // closed when s goes
}

TEST(call_api, a_refused_connection_fails_at_once_not_after_the_timeout) {
  auto address = closed_port_address();
  pb::Request request;
  request.mutable_list_nodes();
  pb::Response response;
  std::string error;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(call_api(address, request, &response, 10000, &error));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(error, "cannot reach the node at " + address
                     + " (connection refused); is `troupe agent` running?");
}

TEST(call_api, fails_over_in_turn_and_starts_from_the_last_answer) {
  auto dir = std::filesystem::temp_directory_path()
             / ("troupe-failover-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  api_client_settings settings;
  settings.state_dir = dir.string();
  set_api_client_settings(settings);
  echo_server a(2), b(2);
  auto dead = closed_port_address();
  pb::Request request;
  request.mutable_list_nodes();
  pb::Response response;
  std::string error;
  // The dead one first: the next one answers, and is remembered.
  ASSERT_TRUE(call_api(dead + "," + b.address() + "," + a.address(), request, &response,
                       5000, &error)) << error;
  EXPECT_EQ(last_answered_endpoint(), b.address());
  std::ifstream in(dir / "last-endpoint");
  std::string saved;
  std::getline(in, saved);
  EXPECT_EQ(saved, b.address());
  // A new client process (settings set again) starts from the remembered one.
  set_api_client_settings(settings);
  ASSERT_TRUE(call_api(a.address() + "," + b.address(), request, &response, 5000, &error))
    << error;
  EXPECT_EQ(last_answered_endpoint(), b.address()) << "b answered last: it is tried first";
  ASSERT_TRUE(call_api(a.address() + "," + dead, request, &response, 5000, &error)) << error;
  EXPECT_EQ(last_answered_endpoint(), a.address());
  ASSERT_TRUE(call_api(a.address(), request, &response, 5000, &error)) << error;
  // Every endpoint down: one sentence naming each.
  EXPECT_FALSE(call_api(dead + "," + dead.substr(0, dead.rfind(':')) + ":1", request,
                        &response, 5000, &error));
  EXPECT_EQ(error.rfind("no node of " + dead, 0), 0u) << error;
  EXPECT_NE(error.find("connection refused"), std::string::npos) << error;
  set_api_client_settings({});
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace troupe
