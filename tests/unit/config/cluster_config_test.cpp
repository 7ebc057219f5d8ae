#include <gtest/gtest.h>

#include <thread>

#include "config/cluster_config.hpp"

namespace troupe {
namespace {

const std::string cluster = "[cluster]\nname = \"c\"\n";  // lines 1-2
const std::string one_manager = "[[managers]]\n"
                                "name = \"m1\"\n"
                                "cluster_address = \"127.0.0.1:7201\"\n"
                                "api_address = \"127.0.0.1:7101\"\n"; // 4 lines

std::string manager(int i) {
  return "[[managers]]\nname = \"m" + std::to_string(i)
         + "\"\ncluster_address = \"127.0.0.1:720" + std::to_string(i)
         + "\"\napi_address = \"127.0.0.1:710" + std::to_string(i) + "\"\n";
}

TEST(ClusterConfig, DefaultsDescribeAStandaloneNode) {
  auto c = default_cluster_config();
  EXPECT_EQ(c.name(), "troupe");
  ASSERT_EQ(c.managers_size(), 1);
  EXPECT_FALSE(c.managers(0).name().empty());
  EXPECT_EQ(c.managers(0).api_address(), "") << "no TCP API unless one is asked for";
  EXPECT_EQ(c.managers(0).cluster_address(), "127.0.0.1:7200");
  EXPECT_EQ(c.defaults().data_dir(), "./troupe-data");
  EXPECT_EQ(c.defaults().driver(), "process");
  EXPECT_EQ(c.defaults().port_min(), 20000u);
  EXPECT_EQ(c.defaults().port_max(), 29999u);
  EXPECT_EQ(c.defaults().images_dir(), "/var/lib/troupe/images");
  EXPECT_EQ(c.timings().raft_heartbeat_ms(), 100);
  EXPECT_EQ(c.timings().election_timeout_ms(), 1000);
  EXPECT_EQ(c.timings().node_heartbeat_ms(), 1000);
  EXPECT_EQ(c.timings().node_down_after(), 3u);
  EXPECT_EQ(c.timings().request_timeout_ms(), 10000);
}

TEST(ClusterConfig, ParsedConfigsGetDefaultsWhereKeysAreMissing) {
  auto r = parse_cluster_config(cluster + "[timings]\nnode_down_after = 5\n", "c.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);
  EXPECT_EQ(r.config.name(), "c");
  EXPECT_EQ(r.config.source(), "c.toml");
  EXPECT_EQ(r.config.managers_size(), 1);
  EXPECT_EQ(r.config.defaults().api_address(), "");
  EXPECT_EQ(r.config.timings().node_down_after(), 5u);
  EXPECT_EQ(r.config.timings().request_timeout_ms(), 10000);
}

struct error_case {
  const char* name;
  std::string text;
  std::string expected;
};

TEST(ClusterConfig, EachMistakeNamesPositionAndKey) {
  const error_case cases[] = {
      {"two managers", cluster + manager(1) + manager(2),
       "c.toml:3:1: managers: must have 1, 3 or 5 entries (a Raft majority), got 2"},
      {"bad manager address", cluster + "[[managers]]\nname = \"m1\"\n"
                                         "cluster_address = \"127.0.0.1\"\napi_address = \"127.0.0.1:7101\"\n",
       "c.toml:5:19: managers[0].cluster_address: '127.0.0.1' is not an address "
       "(use host:port with a port 1..65535, e.g. 127.0.0.1:7100)"},
      {"port zero", cluster + "[defaults]\napi_address = \"localhost:0\"\n",
       "c.toml:4:15: defaults.api_address: 'localhost:0' is not an address "
       "(use host:port with a port 1..65535, e.g. 127.0.0.1:7100)"},
      {"duplicate manager names", cluster + manager(1) + manager(2)
                                      + "[[managers]]\nname = \"m1\"\ncluster_address = \"h:1\"\napi_address = \"h:2\"\n",
       "c.toml:12:8: managers[2].name: duplicate manager name 'm1'"},
      {"missing manager address", cluster + "[[managers]]\nname = \"m1\"\napi_address = \"h:1\"\n",
       "c.toml:3:1: managers[0].cluster_address: is required"},
      {"port range reversed", cluster + "[defaults]\nports = \"3000-2000\"\n",
       "c.toml:4:9: defaults.ports: '3000-2000' must be MIN-MAX with 1024 <= MIN <= MAX <= 65535"},
      {"port range too low", cluster + "[nodes.w1]\nports = \"80-90\"\n",
       "c.toml:4:9: nodes.w1.ports: '80-90' must be MIN-MAX with 1024 <= MIN <= MAX <= 65535"},
      {"port range garbage", cluster + "[defaults]\nports = \"many\"\n",
       "c.toml:4:9: defaults.ports: 'many' is not a port range (use e.g. \"20000-29999\" within 1024-65535)"},
      {"short join token", "[cluster]\nname = \"c\"\njoin_token = \"short\"\n",
       "c.toml:3:14: cluster.join_token: must be at least 16 characters long"},
      {"missing cluster name", "[cluster]\n",
       "c.toml:1:1: cluster.name: is required"},
      {"unknown key", cluster + "[defaults]\nmemroy = \"1GiB\"\n",
       "c.toml:4:1: defaults.memroy: unknown key 'memroy' (did you mean 'memory'?)"},
      {"bad size", cluster + "[nodes.w1]\nmemory = \"1 gig\"\n",
       "c.toml:4:10: nodes.w1.memory: '1 gig' is not a size (use e.g. 512KiB, 64MiB, 1GiB)"},
      {"bad duration", cluster + "[timings]\nnode_heartbeat = \"1\"\n",
       "c.toml:4:18: timings.node_heartbeat: '1' is not a duration (use e.g. 500ms, 2s, 1m)"},
      {"unknown driver", cluster + "[defaults]\ndriver = \"sim2\"\n",
       "c.toml:4:10: defaults.driver: must be one of \"process\", \"oci\", \"sim\", got \"sim2\""},
      {"relative bind prefix", cluster + "[defaults]\nbind_prefixes = [\"srv\"]\n",
       "c.toml:4:17: defaults.bind_prefixes: 'srv' is not an absolute path"},
      {"root bind prefix", cluster + "[nodes.w1]\nbind_prefixes = [\"/srv\", \"/\"]\n",
       "c.toml:4:17: nodes.w1.bind_prefixes: '/' would let a stack mount any host folder: "
       "name the folders bind volumes may use"},
      {"syntax error", cluster + "[defaults\n",
       "c.toml:3:10: Error while parsing table header: expected ']', saw '\\n'"},
  };
  for (const auto& c : cases) {
    auto r = parse_cluster_config(c.text, "c.toml");
    ASSERT_EQ(r.errors.size(), 1u) << c.name << ":\n" << to_string(r.errors);
    EXPECT_EQ(r.errors[0].to_string(), c.expected) << c.name;
  }
}

TEST(ClusterConfig, ManagerCountsOfOneThreeFiveAreValid) {
  for (int n : {1, 3, 5}) {
    std::string text = cluster;
    for (int i = 1; i <= n; ++i)
      text += manager(i);
    auto r = parse_cluster_config(text, "c.toml");
    EXPECT_TRUE(r.ok()) << n << ": " << to_string(r.errors);
    EXPECT_EQ(r.config.managers_size(), n);
  }
}

TEST(ClusterConfig, MissingFileIsAnError) {
  auto r = load_cluster_config("/nonexistent/cluster.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message,
            "cannot read cluster config /nonexistent/cluster.toml: No such file or directory");
}

TEST(ClusterConfig, ResolveNodeOverlaysDefaultsNodeAndManager) {
  auto r = parse_cluster_config(cluster + one_manager + R"(
[defaults]
data_dir = "/data"
labels = { zone = "eu", disk = "hdd" }
cpus = 4
memory = "8GiB"
[nodes.w1]
labels = { disk = "ssd" }
ports = "21000-21099"
api_address = "127.0.0.1:7111"
[nodes.m1]
data_dir = "/data/m1"
)", "c.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);

  auto w1 = resolve_node(r.config, "w1");
  EXPECT_EQ(w1.name(), "w1");
  EXPECT_EQ(w1.data_dir(), "/data");
  EXPECT_EQ(w1.labels().at("zone"), "eu");
  EXPECT_EQ(w1.labels().at("disk"), "ssd");
  EXPECT_EQ(w1.port_min(), 21000u);
  EXPECT_EQ(w1.port_max(), 21099u);
  EXPECT_EQ(w1.api_address(), "127.0.0.1:7111");
  EXPECT_DOUBLE_EQ(w1.cpus(), 4);
  EXPECT_EQ(w1.memory_bytes(), 8LL << 30);
  EXPECT_EQ(w1.driver(), "process");

  auto m1 = resolve_node(r.config, "m1");
  EXPECT_EQ(m1.data_dir(), "/data/m1");
  EXPECT_EQ(m1.api_address(), "127.0.0.1:7101") << "a manager's API comes from [[managers]]";
  EXPECT_EQ(m1.port_min(), 20000u);
  EXPECT_EQ(m1.labels().at("disk"), "hdd");
}

TEST(ClusterConfig, ANodeMayUseTheSimDriver) {
  auto r = parse_cluster_config(cluster + "[nodes.w1]\ndriver = \"sim\"\n", "c.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);
  EXPECT_EQ(resolve_node(r.config, "w1").driver(), "sim");
}

// Issue 11: stopping a node keeps its tasks unless stop_tasks says otherwise.
TEST(ClusterConfig, StopTasksIsOffByDefaultAndANodeCanTurnItOn) {
  auto r = parse_cluster_config(cluster + "[nodes.w1]\nstop_tasks = true\n", "c.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);
  EXPECT_TRUE(resolve_node(r.config, "w1").stop_tasks());
  EXPECT_FALSE(resolve_node(r.config, "w2").stop_tasks());
  EXPECT_FALSE(resolve_node(default_cluster_config(), "solo").stop_tasks());
  auto bad = parse_cluster_config(cluster + "[defaults]\nstop_tasks = \"yes\"\n", "c.toml");
  ASSERT_EQ(bad.errors.size(), 1u) << to_string(bad.errors);
  EXPECT_NE(bad.errors[0].to_string().find("defaults.stop_tasks"), std::string::npos)
      << bad.errors[0].to_string();
}

// Issue 14: bind volumes only under the folders a node names; none by default.
TEST(ClusterConfig, BindPrefixesAreNoneByDefaultAndANodesListReplacesTheDefaults) {
  auto r = parse_cluster_config(cluster + "[defaults]\nbind_prefixes = [\"/srv/\", \"/data/./x\"]\n"
                                    "[nodes.w1]\nbind_prefixes = [\"/mnt/w1\"]\n",
                                "c.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);
  auto w1 = resolve_node(r.config, "w1");
  ASSERT_EQ(w1.bind_prefixes_size(), 1);
  EXPECT_EQ(w1.bind_prefixes(0), "/mnt/w1");
  auto w2 = resolve_node(r.config, "w2");
  ASSERT_EQ(w2.bind_prefixes_size(), 2);
  EXPECT_EQ(w2.bind_prefixes(0), "/srv");
  EXPECT_EQ(w2.bind_prefixes(1), "/data/x");
  EXPECT_EQ(resolve_node(default_cluster_config(), "solo").bind_prefixes_size(), 0);
}

TEST(ClusterConfig, ResolveNodeTakesTheHostsCpusAndMemoryWhenNoneAreGiven) {
  auto n = resolve_node(default_cluster_config(), "solo");
  EXPECT_EQ(n.name(), "solo");
  EXPECT_DOUBLE_EQ(n.cpus(), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_GT(n.memory_bytes(), 64LL << 20);
  EXPECT_EQ(n.api_address(), "") << "the local socket only";
  EXPECT_EQ(n.data_dir(), "./troupe-data");
}

} // namespace
} // namespace troupe
