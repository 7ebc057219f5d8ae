// A stack's [volumes] and its services' mounts: what they parse to, the
// one error each mistake gives, and the names a task's volumes get.
#include <gtest/gtest.h>

#include "config/stack_file.hpp"
#include "config/volume_name.hpp"

namespace troupe {
namespace {

const std::string head = "[stack]\n"
                         "name = \"demo\"\n";

TEST(StackVolumes, ParsesDriversAndResolvesMounts) {
  auto r = parse_stack(head + "[volumes.data]\n"
                              "per_slot = true\n"
                              "[volumes.scratch]\n"
                              "driver = \"tmpfs\"\nsize = \"64MiB\"\n"
                              "[volumes.logs]\n"
                              "driver = \"bind\"\npath = \"/var/log/demo\"\n"
                              "[services.db]\n"
                              "driver = \"oci\"\nimage = \"busybox\"\n"
                              "command = [\"x\"]\n"
                              "mounts = [{ volume = \"data\", target = \"/data\" },\n"
                              "          { volume = \"scratch\", target = \"/tmp\" },\n"
                              "          { volume = \"logs\", target = \"/logs\", read_only = true }]\n",
                       "s.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);
  ASSERT_EQ(r.stack.volumes_size(), 3);
  const auto& db = r.stack.services(0);
  ASSERT_EQ(db.mounts_size(), 3);
  EXPECT_EQ(db.mounts(0).spec().driver(), "local");
  EXPECT_TRUE(db.mounts(0).spec().per_slot());
  EXPECT_EQ(db.mounts(1).spec().driver(), "tmpfs");
  EXPECT_EQ(db.mounts(1).spec().size_bytes(), 64 << 20);
  EXPECT_EQ(db.mounts(2).spec().path(), "/var/log/demo");
  EXPECT_TRUE(db.mounts(2).read_only());
}

struct error_case {
  const char* name;
  std::string text;
  std::string expected;
};

const std::string web = "[services.web]\ncommand = [\"x\"]\n";

TEST(StackVolumes, EachMistakeGivesOneError) {
  std::vector<error_case> cases = {
      {"undeclared volume",
       head + web + "mounts = [{ volume = \"data\", target = \"/data\" }]\n",
       "s.toml:5:22: services.web.mounts[0].volume: names volume \"data\", which the stack "
       "does not declare under [volumes]"},
      {"relative target",
       head + "[volumes.data]\n" + web + "mounts = [{ volume = \"data\", target = \"data\" }]\n",
       "s.toml:6:39: services.web.mounts[0].target: must be an absolute path, not \"data\""},
      {"target with ..",
       head + "[volumes.data]\n" + web + "mounts = [{ volume = \"data\", target = \"/a/../etc\" }]\n",
       "s.toml:6:39: services.web.mounts[0].target: must not contain .. (\"/a/../etc\")"},
      {"two mounts on one target",
       head + "[volumes.a]\n[volumes.b]\n" + web
           + "mounts = [{ volume = \"a\", target = \"/d\" }, { volume = \"b\", target = \"/d\" }]\n",
       "s.toml:7:69: services.web.mounts[1].target: two mounts on \"/d\""},
      {"tmpfs for a process task",
       head + "[volumes.t]\ndriver = \"tmpfs\"\n" + web
           + "mounts = [{ volume = \"t\", target = \"/t\" }]\n",
       "s.toml:7:22: services.web.mounts[0].volume: tmpfs volume \"t\" needs driver = \"oci\": "
       "a process task cannot get a tmpfs of its own"},
      {"bind without path", head + "[volumes.b]\ndriver = \"bind\"\n" + web,
       "s.toml:3:1: volumes.b.path: a bind volume needs path = \"/host/path\""},
      {"unknown driver", head + "[volumes.b]\ndriver = \"nfs\"\n" + web,
       "s.toml:4:10: volumes.b.driver: must be \"local\", \"tmpfs\" or \"bind\", not \"nfs\""},
      {"size on a local volume", head + "[volumes.b]\nsize = \"1GiB\"\n" + web,
       "s.toml:4:8: volumes.b.size: is only for driver = \"tmpfs\" volumes"},
      {"unknown volume key", head + "[volumes.b]\nsise = \"1GiB\"\n" + web,
       "s.toml:4:1: volumes.b.sise: unknown key 'sise' (did you mean 'size'?)"},
      {"bad volume name", head + "[volumes.Data]\n" + web,
       "s.toml:3:1: volumes.Data: volume name \"Data\" must match [a-z0-9][a-z0-9-]* "
       "(at most 32 characters)"},
  };
  for (const auto& c : cases) {
    auto r = parse_stack(c.text, "s.toml");
    ASSERT_EQ(r.errors.size(), 1u) << c.name << ":\n" << to_string(r.errors);
    EXPECT_EQ(r.errors[0].to_string(), c.expected) << c.name;
  }
}

pb::Task task(const std::string& service, uint32_t slot, const std::string& node) {
  pb::Task t;
  t.set_service(service);
  t.mutable_spec()->set_stack("demo");
  t.set_slot(slot);
  t.set_node(node);
  return t;
}

pb::Mount mount(const std::string& volume, const std::string& driver, bool per_slot) {
  pb::Mount m;
  m.set_volume(volume);
  m.mutable_spec()->set_name(volume);
  m.mutable_spec()->set_driver(driver);
  m.mutable_spec()->set_per_slot(per_slot);
  return m;
}

TEST(VolumeName, SharedPerSlotPerNodeAndNone) {
  EXPECT_EQ(volume_name(task("demo_db", 2, "n1"), mount("data", "local", false)), "demo_data");
  EXPECT_EQ(volume_name(task("demo_db", 2, "n1"), mount("data", "local", true)), "demo_data.2");
  // a global task (slot 0) has one volume per node, with or without per_slot
  EXPECT_EQ(volume_name(task("demo_agent", 0, "n3"), mount("data", "local", false)),
            "demo_data.n3");
  EXPECT_EQ(volume_name(task("demo_db", 1, "n1"), mount("t", "tmpfs", false)), "");
  EXPECT_EQ(volume_name(task("demo_db", 1, "n1"), mount("b", "bind", false)), "");
  EXPECT_EQ(volume_env_name("data"), "TROUPE_VOLUME_DATA");
  EXPECT_EQ(volume_env_name("my-cache"), "TROUPE_VOLUME_MY_CACHE");
}

} // namespace
} // namespace troupe
