// The oci driver end to end: busybox httpd in runc containers, reached on the
// host ports troupe hands out; `stack rm` leaves no container behind.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <set>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

// The body of GET / on 127.0.0.1:port (headers included), "" on failure.
std::string http_get(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string req = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
        out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

using oci_driver = oci_agent_test;

TEST_F(oci_driver, busybox_web_servers_answer_on_their_host_ports) {
  auto file = stack_file("web.toml",
                         "[stack]\nname = \"itweb\"\n\n"
                         "[services.web]\n"
                         "driver = \"oci\"\nimage = \"busybox\"\n"
                         "command = [\"httpd\", \"-f\", \"-v\", \"-p\", \"${TROUPE_PORT_HTTP}\", "
                         "\"-h\", \"/www\"]\n"
                         "stop_grace_period = \"2s\"\nreplicas = 3\n"
                         "ports = [{ name = \"http\", target = 8080 }]\n\n"
                         "[services.web.resources]\ncpus = 0.25\nmemory = \"32MiB\"\n\n"
                         "[services.web.restart]\ncondition = \"any\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "90s"}, 150000);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("itweb_web: 3/3 running"), std::string::npos) << r.out;

  auto running = running_tasks(agent_->tasks("itweb_web"));
  ASSERT_EQ(running.size(), 3u);
  std::set<int> ports;
  for (const auto& t : running) {
    int port = t.contains("host_ports") ? t["host_ports"].value("http", 0) : 0;
    ASSERT_GE(port, agent_->port_min()) << t.dump();
    ports.insert(port);
    std::string answer;
    EXPECT_TRUE(wait_until([&] {
      answer = http_get(port);
      return answer.find("hello from troupe") != std::string::npos;
    }, 30000, 200)) << "GET / on port " << port << " of " << t.value("id", "")
                    << " answered: " << answer;
  }
  EXPECT_EQ(ports.size(), 3u) << "tasks share a host port";
  EXPECT_EQ(runc_containers_of("itweb", dir_.path()).size(), 3u);

  auto rm = agent_->cli({"stack", "rm", "itweb"});
  ASSERT_EQ(rm.exit_code, 0) << rm.describe();
  std::set<std::string> left;
  EXPECT_TRUE(wait_until([&] {
    left = runc_containers_of("itweb", dir_.path());
    return left.empty();
  }, 30000, 200)) << left.size() << " containers of the stack are left, e.g. " << *left.begin();
  EXPECT_EQ(agent_->cli_json({"service", "ls"}), json::array());
}

// The node lists the images it holds; a deploy of one that no node holds is
// refused (nothing committed); once the image is tagged into the layout the
// node reports it within a heartbeat and the same deploy runs.
using oci_images = oci_agent_test;

TEST_F(oci_images, a_deploy_of_an_image_no_node_holds_is_refused_until_it_is_tagged) {
  auto images = [&] {
    auto nodes = agent_->cli_json({"node", "ls"});
    return nodes.is_array() && nodes.size() == 1 ? nodes[0].value("images", json())
                                                 : json();
  };
  EXPECT_EQ(images(), json::array({"busybox"}));
  auto file = stack_file("job.toml",
                         "[stack]\nname = \"itimg\"\n\n[services.once]\n"
                         "driver = \"oci\"\nimage = \"mybox:latest\"\n"
                         "mode = \"replicated-job\"\ncommand = [\"true\"]\n");
  auto refused = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_NE(refused.err.find("no ready node holds image 'mybox:latest' of service "
                             "itimg_once"), std::string::npos) << refused.describe();
  EXPECT_NE(refused.err.find("scripts/build-busybox-image.sh"), std::string::npos)
    << refused.describe();
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}), json::array());

  auto tag = run_command({"umoci", "tag", "--image", images_dir() + ":busybox", "mybox"},
                         dir_.path(), 60000);
  ASSERT_EQ(tag.exit_code, 0) << tag.describe();
  ASSERT_TRUE(wait_until([&] { return images() == json::array({"busybox", "mybox"}); },
                         30000)) << images().dump();
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "90s"}, 150000);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto tasks = agent_->tasks("itimg_once");
  ASSERT_TRUE(tasks.is_array() && tasks.size() == 1) << tasks.dump(2);
  EXPECT_EQ(tasks[0].value("state", ""), "complete") << tasks.dump(2);
}

} // namespace
} // namespace troupe::itest
