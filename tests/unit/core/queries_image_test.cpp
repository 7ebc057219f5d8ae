// The API refuses to deploy (or update to) an oci image that no ready node
// holds, with one sentence that says how to get it there; nothing is proposed.
#include <gtest/gtest.h>

#include "actors/manager/queries.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

pb::ServiceSpec oci_web(const std::string& image) {
  auto s = service_spec("demo", "web", 1);
  s.set_driver("oci");
  s.set_image(image);
  return s;
}

pb::Request deploy(const pb::ServiceSpec& s) {
  pb::Request r;
  *r.mutable_deploy_stack() = stack_spec("demo", {s});
  return r;
}

cluster_state nodes_holding(const std::string& image, const std::string& down_image = "") {
  cluster_state s;
  auto up = node("w1");
  up.add_images(image);
  auto down = node("w2");
  down.set_state("down");
  if (!down_image.empty())
    down.add_images(down_image);
  s.apply(entry_builder(1).put_node(up).put_node(down));
  return s;
}

} // namespace

TEST(queries_image, a_deploy_of_an_image_no_ready_node_holds_is_refused) {
  auto view = nodes_holding("busybox", "busybox:1.36");  // only a down node has 1.36
  std::string error;
  auto entry = plan_write(view, deploy(oci_web("busybox:1.36")), &error);
  EXPECT_EQ(error, "stack 'demo' cannot be deployed: no ready node holds image "
                   "'busybox:1.36' of service demo_web; build or load it into the "
                   "nodes' images_dir first (the busybox image: "
                   "scripts/build-busybox-image.sh IMAGES_DIR)");
  EXPECT_EQ(entry.changes_size(), 0);
}

TEST(queries_image, a_deploy_of_a_held_image_or_a_rootfs_passes) {
  auto view = nodes_holding("busybox");
  for (auto spec : {oci_web("busybox"), oci_web("busybox:latest")}) {
    std::string error;
    auto entry = plan_write(view, deploy(spec), &error);
    EXPECT_EQ(error, "") << spec.image();
    EXPECT_EQ(entry.changes_size(), 1);
  }
  auto rootfs = oci_web("");
  rootfs.set_rootfs("/srv/rootfs");
  std::string error;
  EXPECT_EQ(plan_write(view, deploy(rootfs), &error).changes_size(), 1);
  EXPECT_EQ(error, "");
}

TEST(queries_image, an_update_to_an_image_no_ready_node_holds_is_refused) {
  auto view = nodes_holding("busybox");
  std::string error;
  auto deployed = plan_write(view, deploy(oci_web("busybox")), &error);  // with defaults
  ASSERT_EQ(error, "");
  deployed.set_index(2);
  deployed.set_term(1);
  deployed.set_timestamp(2000);
  view.apply(deployed);
  pb::Request r;
  r.mutable_update_service()->set_service("demo_web");
  r.mutable_update_service()->set_image("nginx:1.25");
  auto entry = plan_write(view, r, &error);
  EXPECT_EQ(error.rfind("service 'demo_web' cannot be updated: no ready node holds image "
                        "'nginx:1.25'", 0), 0u) << error;
  EXPECT_EQ(entry.changes_size(), 0);
  // an update that keeps the image is not held up by it
  r.mutable_update_service()->set_image("");
  (*r.mutable_update_service()->mutable_env_add())["V"] = "2";
  error.clear();
  entry = plan_write(view, r, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(entry.changes_size(), 1);
}

// A stack of process-driver services needs no image: it deploys even before
// any node has joined (3 managers with no driver, workers still starting).
TEST(queries_image, a_process_stack_deploys_with_no_node_at_all) {
  cluster_state empty;
  auto spec = service_spec("demo", "web", 0);
  spec.set_driver("process");
  std::string error;
  auto entry = plan_write(empty, deploy(spec), &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(entry.changes_size(), 1);
  spec.set_driver("");  // the cluster's default driver, chosen at placement
  entry = plan_write(empty, deploy(spec), &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(entry.changes_size(), 1);
}
