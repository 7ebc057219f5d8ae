// Service discovery and the finer points of the load balancers, end to end
// on a standalone node with its own VIP range and DNS port (other nodes on
// this host may share the defaults): dig answers A/SRV with the VIP, the VIP
// serves the service, a task reaches another service through
// TROUPE_SERVICE_<NAME>_ADDR, a half-closing client still gets its reply and
// resetting/idle clients disturb nobody. (routing_mesh_test.cpp covers the
// published port on a standalone node and a cluster.)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_load.hpp"

namespace troupe::itest {
namespace {

/// A blocking TCP connection to host:port with 5s timeouts, or -1.
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

/// Bodies of `n` sequential GETs (failures as "!" + error).
std::map<std::string, int> sample(const std::string& host, int port, int n) {
  std::map<std::string, int> bodies;
  for (int i = 0; i < n; ++i) {
    auto r = http_get(host, port);
    ++bodies[r.ok ? r.body : "!" + r.error];
  }
  return bodies;
}

std::string show(const std::map<std::string, int>& m) {
  std::string s;
  for (const auto& [k, v] : m)
    s += k + "×" + std::to_string(v) + " ";
  return s;
}

/// Inserts `lines` right after `header` in a config text.
std::string with_keys(std::string config, const std::string& header, const std::string& lines) {
  auto at = config.find(header);
  if (at != std::string::npos)
    config.insert(at + header.size(), lines);
  return config;
}

class discovery : public agent_test {
protected:
  void SetUp() override {
    if (access("/bin/busybox", X_OK) != 0)
      GTEST_SKIP() << "busybox (busybox-static) is not installed";
    ASSERT_FALSE(dir_.path().empty());
    agent_ = std::make_unique<agent>(dir_.path());
    dns_port_ = free_port();
    int vip_lo = 0;
    ASSERT_TRUE(free_port_range(21, &vip_lo)) << "no 21 free ports for the VIPs";
    auto config = read_file(dir_.file("cluster.toml"));
    config = with_keys(config, "name = \"itest\"\n",
                       "vip_ports = \"" + std::to_string(vip_lo) + "-"
                         + std::to_string(vip_lo + 20) + "\"\n");
    config = with_keys(config, "[defaults]\n",
                       "dns_address = \"127.0.0.1:" + std::to_string(dns_port_) + "\"\n");
    write_file(dir_.file("cluster.toml"), config);
    std::string error;
    ASSERT_TRUE(agent_->start(&error)) << error;
    published_ = free_port();
    auto deploy = agent_->cli({"stack", "deploy", stack_file("demo.toml", stack_text())});
    ASSERT_EQ(deploy.exit_code, 0) << deploy.describe();
    ASSERT_TRUE(wait_until([&] { return endpoint_count() == 3; }, 60000))
      << "three endpoints never showed";
  }

  /// web: 3 busybox httpd tasks answering their slot; client (optional).
  std::string stack_text() const {
    for (int i = 1; i <= 3; ++i) {
      run_command({"mkdir", "-p", dir_.file(std::to_string(i))}, dir_.path());
      write_file(dir_.file(std::to_string(i)) + "/index.html", std::to_string(i) + "\n");
    }
    return "[stack]\nname = \"demo\"\n\n"
           "[services.web]\n"
           "command = [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"${TROUPE_PORT_HTTP}\", \"-h\", \""
           + dir_.path() + "/${TROUPE_TASK_SLOT}\"]\n"
           "replicas = 3\n"
           "ports = [{ name = \"http\", target = 8080, published = "
           + std::to_string(published_) + " }]\n" + extra_services();
  }

  virtual std::string extra_services() const { return ""; }

  json routes() const {
    auto r = agent_->cli({"service", "endpoints", "demo_web", "--format", "json"});
    if (r.exit_code != 0)
      return nullptr;
    auto routes = json::parse(r.out, nullptr, false);
    return routes.is_array() && routes.size() == 1 ? routes : json();
  }

  int endpoint_count() const {
    auto r = routes();
    return r.is_array() ? static_cast<int>(r[0]["endpoints"].size()) : -1;
  }

  std::string dig(std::vector<std::string> args) const {
    std::vector<std::string> argv{"dig", "@127.0.0.1", "-p", std::to_string(dns_port_),
                                  "+time=2", "+tries=1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), 10000).out;
  }

  int published_ = 0;
  int dns_port_ = 0;
};

TEST_F(discovery, dig_answers_a_and_srv_with_the_vip_which_serves_the_service) {
  if (access("/usr/bin/dig", X_OK) != 0)
    GTEST_SKIP() << "dig is not installed";
  auto r = routes();
  ASSERT_TRUE(r.is_array());
  std::string vip = r[0].value("vip", "");
  ASSERT_EQ(vip.rfind("127.0.0.1:", 0), 0u) << r;
  auto port = vip.substr(10);
  bool answered
    = wait_until([&] { return dig({"+short", "web.demo.troupe"}) == "127.0.0.1\n"; }, 10000);
  EXPECT_TRUE(answered) << dig({"web.demo.troupe"});
  EXPECT_EQ(dig({"+short", "web"}), "127.0.0.1\n");
  EXPECT_EQ(dig({"+short", "SRV", "web.demo.troupe"}), "0 0 " + port + " web.demo.troupe.\n");
  EXPECT_EQ(dig({"+short", "SRV", "_http._tcp.web.demo.troupe"}),
            "0 0 " + port + " web.demo.troupe.\n");
  EXPECT_NE(dig({"nope.demo.troupe"}).find("status: NXDOMAIN"), std::string::npos);
  auto bodies = sample("127.0.0.1", std::stoi(port), 6);
  EXPECT_EQ(bodies["1"] + bodies["2"] + bodies["3"], 6) << show(bodies);
  auto inspect = agent_->cli({"service", "inspect", "demo_web"});
  EXPECT_NE(inspect.out.find("vip " + vip), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("web.demo.troupe"), std::string::npos) << inspect.out;
}

TEST_F(discovery, a_half_closing_client_gets_its_reply_and_bad_clients_disturb_nobody) {
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i)
    idle.push_back(open_tcp("127.0.0.1", published_));
  for (int i = 0; i < 20; ++i) {  // half a request, then RST
    int fd = open_tcp("127.0.0.1", published_);
    ASSERT_GE(fd, 0);
    ::send(fd, "GET / HT", 8, MSG_NOSIGNAL);
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    ::close(fd);
  }
  for (int i = 0; i < 5; ++i) {
    int fd = open_tcp("127.0.0.1", published_);
    ASSERT_GE(fd, 0);
    std::string req = "GET / HTTP/1.0\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), (ssize_t)req.size());
    ::shutdown(fd, SHUT_WR);
    auto reply = read_all(fd);
    ::close(fd);
    EXPECT_NE(reply.find("200 OK"), std::string::npos) << "half-closed client got: " << reply;
  }
  auto bodies = sample("127.0.0.1", published_, 30);
  EXPECT_EQ(bodies["1"] + bodies["2"] + bodies["3"], 30) << show(bodies);
  for (int fd : idle)
    if (fd >= 0)
      ::close(fd);
  EXPECT_EQ(agent_->cli({"node", "ls"}).exit_code, 0) << "the node stopped answering";
}

/// A second service of the stack finds web through TROUPE_SERVICE_WEB_ADDR.
class discovery_env : public discovery {
protected:
  std::string extra_services() const override {
    return "\n[services.client]\n"
           "command = [\"/bin/busybox\", \"sh\", \"-c\", \"until /bin/busybox wget -q -O "
           + dir_.file("got.tmp") + " http://$TROUPE_SERVICE_WEB_ADDR/; do sleep 0.2; done; mv "
           + dir_.file("got.tmp") + " " + dir_.file("got")
           + "; echo $TROUPE_SERVICE_WEB_ADDR > " + dir_.file("addr")
           + "; exec sleep 600\"]\n";
  }
};

TEST_F(discovery_env, a_task_reaches_another_service_by_its_vip) {
  ASSERT_TRUE(wait_until([&] { return access(dir_.file("addr").c_str(), R_OK) == 0; }, 30000))
    << "the client never got an answer through TROUPE_SERVICE_WEB_ADDR";
  auto body = read_file(dir_.file("got"));
  EXPECT_TRUE(body == "1\n" || body == "2\n" || body == "3\n") << body;
  auto r = routes();
  ASSERT_TRUE(r.is_array());
  EXPECT_EQ(read_file(dir_.file("addr")), r[0].value("vip", "") + "\n");
}

} // namespace
} // namespace troupe::itest
