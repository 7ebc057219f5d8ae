// Compose files: a table of snippets -> the stack troupe runs, and every
// refused key with its line:column, all at once.
#include <gtest/gtest.h>

#include <map>

#include "config/compose_file.hpp"

namespace troupe {
namespace {

pb::ServiceSpec only_service(const std::string& yaml) {
  auto r = parse_compose(yaml, "compose.yml", "app");
  EXPECT_TRUE(r.ok()) << to_string(r.stack.errors) << r.toml;
  if (!r.ok() || r.stack.stack.services_size() != 1)
    return {};
  return r.stack.stack.services(0);
}

TEST(compose, maps_the_swarm_subset) {
  auto s = only_service(R"(version: "3.8"
services:
  web:
    image: busybox:latest
    entrypoint: ["httpd"]
    command: -f -p 8080
    environment:
      - A=1
      - B=two words
    labels: { team: web }
    ports:
      - "8080:80"
      - target: 53
        published: 5353
        protocol: udp
    healthcheck:
      test: ["CMD-SHELL", "wget -q localhost:80 || exit 1"]
      interval: 10s
      timeout: 2s
      retries: 5
      start_period: 1m
    deploy:
      replicas: 3
      resources:
        limits: { cpus: "0.5", memory: 64M }
      restart_policy: { condition: on-failure, delay: 2s, max_attempts: 4, window: 1m }
      update_config: { parallelism: 2, delay: 5s, order: start-first, failure_action: rollback }
      rollback_config: { parallelism: 1 }
      placement:
        constraints: ["node.labels.zone == a"]
)");
  EXPECT_EQ(s.name(), "app_web");
  EXPECT_EQ(s.driver(), "oci");
  EXPECT_EQ(s.image(), "busybox:latest");
  ASSERT_EQ(s.command_size(), 4);
  EXPECT_EQ(s.command(0), "httpd");
  EXPECT_EQ(s.command(3), "8080");
  EXPECT_EQ(s.env().at("B"), "two words");
  EXPECT_EQ(s.labels().at("team"), "web");
  ASSERT_EQ(s.ports_size(), 2);
  EXPECT_EQ(s.ports(0).name(), "p80");
  EXPECT_EQ(s.ports(0).published(), 8080u);
  EXPECT_EQ(s.ports(1).protocol(), "udp");
  EXPECT_EQ(s.ports(1).published(), 5353u);
  ASSERT_EQ(s.health().cmd_size(), 3);
  EXPECT_EQ(s.health().cmd(0), "/bin/sh");
  EXPECT_EQ(s.health().interval_ms(), 10000);
  EXPECT_EQ(s.health().retries(), 5u);
  EXPECT_EQ(s.health().start_period_ms(), 60000);
  EXPECT_EQ(s.replicas(), 3u);
  EXPECT_DOUBLE_EQ(s.resources().cpus(), 0.5);
  EXPECT_EQ(s.resources().memory_bytes(), 64 << 20);
  EXPECT_EQ(s.restart().condition(), "on-failure");
  EXPECT_EQ(s.restart().max_attempts(), 4u);
  EXPECT_EQ(s.update().parallelism(), 2u);
  EXPECT_EQ(s.update().order(), "start-first");
  EXPECT_EQ(s.rollback().parallelism(), 1u);
  ASSERT_EQ(s.constraints_size(), 1);
}

TEST(compose, short_forms) {
  struct row { const char* yaml; std::function<void(const pb::ServiceSpec&)> check; };
  std::vector<row> rows = {
    {"services:\n  a:\n    command: sleep 60\n",
     [](const pb::ServiceSpec& s) {
       EXPECT_EQ(s.driver(), "process");
       EXPECT_EQ(s.command_size(), 2);
       EXPECT_EQ(s.replicas(), 1u);
     }},
    {"services:\n  a:\n    command: [sleep, \"60\"]\n    environment: { X: \"1\", EMPTY: }\n",
     [](const pb::ServiceSpec& s) { EXPECT_EQ(s.env().at("EMPTY"), ""); }},
    {"services:\n  a:\n    command: sleep 1\n    ports: [\"80\"]\n",
     [](const pb::ServiceSpec& s) { EXPECT_EQ(s.ports(0).published(), 0u); }},
    {"services:\n  a:\n    command: sleep 1\n    deploy: { mode: global }\n",
     [](const pb::ServiceSpec& s) { EXPECT_EQ(s.mode(), "global"); }},
    {"services:\n  a:\n    command: sleep 1\n    healthcheck: { test: \"true\" }\n",
     [](const pb::ServiceSpec& s) { EXPECT_EQ(s.health().cmd(2), "true"); }},
  };
  for (const auto& r : rows)
    r.check(only_service(r.yaml));
  auto named = parse_compose("name: shop\nservices:\n  a:\n    command: sleep 1\n", "c.yml", "x");
  ASSERT_TRUE(named.ok()) << to_string(named.stack.errors);
  EXPECT_EQ(named.stack.stack.name(), "shop");
  EXPECT_NE(named.toml.find("[services.a]"), std::string::npos) << named.toml;
}

TEST(compose, every_unsupported_key_is_reported_with_its_position_at_once) {
  auto r = parse_compose(R"(services:
  web:
    image: nginx
    volumes: ["data:/data:z", "/cache"]
    networks: [front]
    ports: ["127.0.0.1:80:80", "8000-8010:80"]
    deploy:
      endpoint_mode: dnsrr
      resources:
        reservations: { cpus: "1" }
    healthcheck: { disable: true }
volumes:
  data: { external: true }
)", "compose.yml", "app");
  ASSERT_FALSE(r.ok());
  std::vector<std::string> got;
  for (const auto& e : r.stack.errors)
    got.push_back(e.to_string());
  std::vector<std::string> want = {
    "compose.yml:4:15: services.web.volumes[0]: not supported by troupe: volume options other "
    "than ro or rw in \"data:/data:z\"",
    "compose.yml:4:31: services.web.volumes[1]: not supported by troupe: anonymous volumes "
    "(name it: NAME:/cache)",
    "compose.yml:5:5: services.web.networks: not supported by troupe: networks (every service "
    "reaches the others by its VIP and DNS name)",
    "compose.yml:6:13: services.web.ports: a host address in a port (\"127.0.0.1:80:80\") is "
    "not supported: published ports listen on every node's ingress_address",
    "compose.yml:6:32: services.web.ports: port ranges (\"8000-8010:80\") are not supported",
    "compose.yml:8:7: services.web.deploy.endpoint_mode: not supported by troupe: no such deploy "
    "setting in troupe",
    "compose.yml:10:9: services.web.deploy.resources.reservations: not supported by troupe: "
    "reservations apart from limits (troupe reserves what it limits: use limits)",
    "compose.yml:11:20: services.web.healthcheck.disable: not supported by troupe: disable "
    "(leave the healthcheck out instead)",
    "compose.yml:13:11: volumes.data.external: not supported by troupe: external volumes (a "
    "troupe volume belongs to its stack)",
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.toml, "") << "nothing converted";
}

// Named volumes, bind mounts (relative to the compose file's folder) and
// tmpfs, in the short and the long syntax.
TEST(compose, maps_volumes_binds_and_tmpfs) {
  auto r = parse_compose(R"(services:
  db:
    image: postgres
    volumes:
      - data:/var/lib/db
      - ./conf:/etc/db:ro
      - type: tmpfs
        target: /scratch
        tmpfs: { size: 64m }
      - { type: bind, source: /srv/site, target: /site, read_only: true }
    tmpfs: /run
volumes:
  data:
)", "/work/app/compose.yml", "app");
  ASSERT_TRUE(r.ok()) << to_string(r.stack.errors) << r.toml;
  const auto& stack = r.stack.stack;
  std::map<std::string, pb::VolumeSpec> volumes;
  for (const auto& v : stack.volumes())
    volumes[v.name()] = v;
  ASSERT_EQ(volumes.size(), 5u) << r.toml;
  EXPECT_EQ(volumes["data"].driver(), "local");
  EXPECT_EQ(volumes["bind-1"].path(), "/work/app/conf");
  EXPECT_EQ(volumes["bind-2"].path(), "/srv/site");
  EXPECT_EQ(volumes["tmpfs-1"].size_bytes(), 64 << 20);
  EXPECT_EQ(volumes["tmpfs-2"].driver(), "tmpfs");
  const auto& db = stack.services(0);
  ASSERT_EQ(db.mounts_size(), 5) << r.toml;
  EXPECT_EQ(db.mounts(0).volume(), "data");
  EXPECT_EQ(db.mounts(0).target(), "/var/lib/db");
  EXPECT_EQ(db.mounts(1).volume(), "bind-1");
  EXPECT_TRUE(db.mounts(1).read_only());
  EXPECT_EQ(db.mounts(2).target(), "/scratch");
  EXPECT_TRUE(db.mounts(3).read_only());
  EXPECT_EQ(db.mounts(4).target(), "/run");
}

TEST(compose, bad_values_and_bad_yaml) {
  auto bad = parse_compose("services:\n  a:\n    command: sleep 1\n    deploy: { replicas: many }\n",
                           "c.yml", "x");
  ASSERT_EQ(bad.stack.errors.size(), 1u);
  EXPECT_EQ(bad.stack.errors[0].to_string(),
            "c.yml:4:25: services.a.deploy.replicas: expected a whole number, got \"many\"");
  auto yaml = parse_compose("services: [\n", "c.yml", "x");
  ASSERT_EQ(yaml.stack.errors.size(), 1u);
  EXPECT_NE(yaml.stack.errors[0].message.find("not valid YAML"), std::string::npos);
  // The troupe rules apply to what was converted (a replica count too high).
  auto rules = parse_compose("services:\n  a:\n    command: sleep 1\n    deploy: { replicas: 999999 }\n",
                             "c.yml", "x");
  EXPECT_FALSE(rules.ok());
}

} // namespace
} // namespace troupe
