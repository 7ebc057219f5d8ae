// Every example file shipped in examples/ loads with no errors.
#include <gtest/gtest.h>

#include <dirent.h>

#include <string>
#include <vector>

#include "config/cluster_config.hpp"
#include "config/stack_file.hpp"

namespace troupe {
namespace {

// examples/ relative to this file: tests/unit/config/ -> ../../../examples
std::string examples_dir() {
  std::string here = __FILE__;
  return here.substr(0, here.rfind('/')) + "/../../../examples";
}

std::vector<std::string> toml_files() {
  std::vector<std::string> out;
  if (DIR* d = opendir(examples_dir().c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".toml") == 0)
        out.push_back(n);
    }
    closedir(d);
  }
  return out;
}

bool is_cluster_config(const std::string& name) {
  return name == "cluster.toml" || name == "standalone.toml";
}

TEST(Examples, EveryExampleLoadsWithoutErrors) {
  auto files = toml_files();
  ASSERT_GE(files.size(), 4u) << "examples not found under " << examples_dir();
  for (const auto& f : files) {
    std::string path = examples_dir() + "/" + f;
    if (is_cluster_config(f)) {
      auto result = load_cluster_config(path);
      EXPECT_TRUE(result.ok()) << f << ":\n" << to_string(result.errors);
    } else {
      auto result = load_stack_file(path);
      EXPECT_TRUE(result.ok()) << f << ":\n" << to_string(result.errors);
    }
  }
}

TEST(Examples, HelloAndWebSayWhatTheyRun) {
  auto hello = load_stack_file(examples_dir() + "/hello.toml");
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(hello.stack.name(), "hello");
  ASSERT_EQ(hello.stack.services_size(), 1);
  EXPECT_EQ(hello.stack.services(0).replicas(), 2u);
  EXPECT_EQ(hello.stack.services(0).driver(), "process");

  auto web = load_stack_file(examples_dir() + "/web.toml");
  ASSERT_TRUE(web.ok());
  const auto& s = web.stack.services(0);
  EXPECT_EQ(s.name(), "demo_web");
  EXPECT_EQ(s.driver(), "oci");
  EXPECT_EQ(s.image(), "busybox");
  EXPECT_EQ(s.replicas(), 3u);
  EXPECT_EQ(s.ports(0).published(), 8080u);
  EXPECT_EQ(s.resources().memory_bytes(), 32LL << 20);
}

TEST(Examples, ClusterHasThreeManagersAndTwoWorkers) {
  auto c = load_cluster_config(examples_dir() + "/cluster.toml");
  ASSERT_TRUE(c.ok()) << to_string(c.errors);
  ASSERT_EQ(c.config.managers_size(), 3);
  EXPECT_EQ(c.config.managers(2).cluster_address(), "127.0.0.1:7203");
  auto w2 = resolve_node(c.config, "w2");
  EXPECT_EQ(w2.api_address(), "127.0.0.1:7112");
  EXPECT_EQ(w2.data_dir(), "./troupe-cluster/w2");
  EXPECT_EQ(w2.labels().at("zone"), "us");
  auto m1 = resolve_node(c.config, "m1");
  EXPECT_EQ(m1.api_address(), "127.0.0.1:7101");
  EXPECT_EQ(m1.data_dir(), "./troupe-cluster/m1");
}

} // namespace
} // namespace troupe
