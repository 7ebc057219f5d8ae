// A client given every manager (--host m1,m2,m3) keeps working when the one
// that answered is killed: it fails over to the next, says so with -v, and
// the next client starts from the one that answered last.
#include "tests/integration/cluster_harness.hpp"

namespace troupe::itest {
namespace {

class cli_failover : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    cluster_ = std::make_unique<local_cluster>(dir_.path(), 3, 0);
  }
  void TearDown() override {
    if (HasFailure() && cluster_)
      std::cerr << cluster_->logs_tail();
    cluster_.reset();
  }
  run_result troupe(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"/usr/bin/env", "XDG_CONFIG_HOME=" + dir_.file("xdg"),
                                  TROUPE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), 60000);
  }
  temp_dir dir_;
  std::unique_ptr<local_cluster> cluster_;
};

TEST_F(cli_failover, a_killed_manager_is_skipped_and_the_next_one_answers) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  std::string list;
  for (const auto& m : cluster_->managers())
    list += (list.empty() ? "" : ",") + cluster_->api(m);
  auto first = troupe({"-v", "--host", list, "cluster", "status"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_EQ(first.err, "troupe: answered by " + cluster_->api("m1") + "\n");

  cluster_->kill9("m1");
  // m1 is tried first (it answered last) and refuses at once; m2 answers
  // (and is remembered, even with an error while there is no leader yet). A
  // read needs the new leader, so poll until the cluster has one.
  run_result next;
  std::string said;
  ASSERT_TRUE(wait_until([&] {
    next = troupe({"-v", "--host", list, "--format", "json", "service", "ls"});
    said += next.err;
    return next.exit_code == 0;
  }, 30000, 200)) << next.describe();
  EXPECT_NE(said.find("cannot reach the node at " + cluster_->api("m1")
                          + " (connection refused); trying the next node"),
            std::string::npos) << said;
  EXPECT_NE(said.find("troupe: answered by " + cluster_->api("m2")), std::string::npos)
    << said;
  EXPECT_EQ(read_file(dir_.file("xdg/troupe/last-endpoint")), cluster_->api("m2") + "\n");

  auto after = troupe({"-v", "--host", list, "cluster", "status"});
  ASSERT_EQ(after.exit_code, 0) << after.describe();
  EXPECT_EQ(after.err, "troupe: answered by " + cluster_->api("m2") + "\n")
    << "the next client starts from m2, not from the dead m1";

  cluster_->kill9("m2");
  cluster_->kill9("m3");
  auto none = troupe({"--host", list, "cluster", "status"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err.rfind("troupe: no node of " + list + " answered: ", 0), 0u)
    << none.describe();
}

} // namespace
} // namespace troupe::itest
