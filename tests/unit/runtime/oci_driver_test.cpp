// These tests run real containers with runc: they need root, runc and umoci,
// and build the busybox image once per suite with the project's script.
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/cgroups.hpp"
#include "runtime/child_process.hpp"
#include "runtime/oci_driver.hpp"
#include "tests/unit/runtime/test_util.hpp"

using namespace troupe;
using troupe::test::log_text;
using troupe::test::slurp;
using troupe::test::temp_dir;
using troupe::test::wait_exit;
namespace fs = std::filesystem;

namespace {

std::string repo_root() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

class oci_driver_test : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    skip_reason_ = new std::string;
    const char* path = std::getenv("PATH");
    if (::geteuid() != 0)
      *skip_reason_ = "the oci driver needs root";
    else if (find_executable("runc", path ? path : "").empty()
             || find_executable("umoci", path ? path : "").empty())
      *skip_reason_ = "runc or umoci is not installed";
    if (!skip_reason_->empty())
      return;
    suite_dir_ = new temp_dir;
    std::string output;
    int rc = run_command({repo_root() + "/scripts/build-busybox-image.sh",
                          *suite_dir_ / "images"}, &output, 60000);
    if (rc != 0) {
      *skip_reason_ = "cannot build the busybox image: " + output;
      return;
    }
    // An image whose config says what to run, as whom, where, with what env.
    rc = run_command({"umoci", "config", "--image", *suite_dir_ / "images:busybox",
                      "--tag", "configured", "--config.env", "GREETING=hi",
                      "--config.workingdir", "/www", "--config.user", "65534",
                      "--config.cmd", "sh", "--config.cmd", "-c", "--config.cmd",
                      "echo $GREETING $(pwd) $(id -u)"}, &output, 60000);
    if (rc != 0)
      *skip_reason_ = "cannot configure the test image: " + output;
  }

  static void TearDownTestSuite() {
    delete suite_dir_;
    delete skip_reason_;
  }

  void SetUp() override {
    if (!skip_reason_->empty())
      GTEST_SKIP() << *skip_reason_;
    driver_options options;
    options.images_dir = *suite_dir_ / "images";
    options.runc_root = dir_ / "runc";
    options.cgroup_parent = "troupe-test";
    std::string error;
    auto d = make_driver("oci", options, &error);
    ASSERT_NE(d, nullptr) << error;
    driver_.reset(static_cast<oci_driver*>(d.release()));
  }

  void TearDown() override {
    for (auto& h : started_)
      driver_->cleanup(h);
  }

  container_spec spec(std::vector<std::string> command) {
    container_spec s;
    s.id = "t" + std::to_string(++counter_) + "/" + std::to_string(::getpid());
    s.image = "busybox";
    s.command = std::move(command);
    s.task_dir = dir_ / "task";
    s.stdout_path = dir_ / "stdout.log";
    s.stderr_path = dir_ / "stderr.log";
    return s;
  }

  container_handle start(const container_spec& s) {
    container_handle h;
    std::string error;
    EXPECT_TRUE(driver_->start(s, &h, &error)) << error;
    started_.push_back(h);
    return h;
  }

  bool runc_knows(const std::string& id) {
    std::string output;
    return run_command(driver_->runc_argv({"state", id}), &output, 5000) == 0;
  }

  static inline std::string* skip_reason_ = nullptr;
  static inline temp_dir* suite_dir_ = nullptr;
  temp_dir dir_;
  std::unique_ptr<oci_driver> driver_;
  std::vector<container_handle> started_;
  int counter_ = 0;
};

TEST_F(oci_driver_test, echo_writes_to_the_stdout_log) {
  auto s = spec({"echo", "hi"});
  auto h = start(s);
  EXPECT_EQ(h.id.find('/'), std::string::npos) << "id sanitized for runc";
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 0) << log_text(s.stderr_path);
  EXPECT_EQ(log_text(s.stdout_path), "hi\n");
}

TEST_F(oci_driver_test, exit_code_and_env_come_through) {
  auto s = spec({"sh", "-c", "echo $GREETING; exit 7"});
  s.env = {{"GREETING", "hello"}};
  auto status = wait_exit(*driver_, start(s));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 7) << log_text(s.stderr_path);
  EXPECT_EQ(log_text(s.stdout_path), "hello\n");
}

TEST_F(oci_driver_test, unknown_image_fails_start_with_its_name) {
  auto s = spec({"true"});
  s.image = "nosuchimage";
  container_handle h;
  std::string error;
  EXPECT_FALSE(driver_->start(s, &h, &error));
  EXPECT_EQ(error, "image 'nosuchimage' not found in " + *suite_dir_ / "images");
  EXPECT_TRUE(fs::is_empty(s.task_dir)) << "nothing left behind";
}

TEST_F(oci_driver_test, sigterm_stops_a_container_that_handles_it) {
  // The command is PID 1 of the container: the kernel drops SIGTERM to it
  // unless it installs a handler, exactly as in Docker.
  auto s = spec({"sh", "-c", "trap 'exit 143' TERM; echo ready; "
                             "while :; do sleep 0.05; done"});
  auto h = start(s);
  ASSERT_TRUE(troupe::test::wait_until([&] { return log_text(s.stdout_path) == "ready\n"; }));
  driver_->signal(h, SIGTERM);
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 143);
}

TEST_F(oci_driver_test, sigkill_stops_sleep) {
  auto h = start(spec({"sleep", "100"}));
  ASSERT_TRUE(troupe::test::wait_until([&] { return runc_knows(h.id); }));
  driver_->signal(h, SIGKILL);
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 137);
  EXPECT_EQ(status->message, "killed by SIGKILL");
}

TEST_F(oci_driver_test, cleanup_removes_bundle_and_runc_state) {
  auto s = spec({"true"});
  auto h = start(s);
  auto bundle = s.task_dir + "/bundle-" + h.id;
  EXPECT_TRUE(fs::exists(bundle + "/config.json"));
  ASSERT_TRUE(wait_exit(*driver_, h));
  driver_->cleanup(h);
  started_.clear();
  EXPECT_FALSE(fs::exists(bundle));
  EXPECT_FALSE(runc_knows(h.id));
}

TEST_F(oci_driver_test, a_restart_in_the_same_task_folder_keeps_what_the_task_wrote) {
  // As a Docker container's restarts: the image is unpacked once per task.
  auto first = spec({"sh", "-c", "echo kept > /marker"});
  auto h = start(first);
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->exit_code, 0) << log_text(first.stderr_path);
  driver_->cleanup(h);
  started_.clear();
  auto again = spec({"cat", "/marker"});
  status = wait_exit(*driver_, start(again));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 0) << log_text(again.stderr_path);
  EXPECT_EQ(log_text(again.stdout_path), "kept\n");
}

TEST_F(oci_driver_test, a_new_task_folder_starts_from_the_image) {
  auto first = spec({"sh", "-c", "echo kept > /marker"});
  ASSERT_TRUE(wait_exit(*driver_, start(first)));
  auto fresh = spec({"sh", "-c", "test -e /marker && echo found || echo absent"});
  fresh.task_dir = dir_ / "other-task";
  auto status = wait_exit(*driver_, start(fresh));
  ASSERT_TRUE(status);
  EXPECT_EQ(log_text(fresh.stdout_path), "absent\n");
}

TEST_F(oci_driver_test, rootfs_folder_runs_read_only_on_the_host_network) {
  std::string output;
  auto unpacked = dir_ / "unpacked";
  ASSERT_EQ(run_command({"umoci", "unpack", "--image",
                         *suite_dir_ / "images:busybox", unpacked}, &output), 0)
    << output;
  auto s = spec({"sh", "-c", "cat /www/index.html; ls /sys/class/net | wc -l; "
                             "touch /written"});
  s.image.clear();
  s.rootfs = unpacked + "/rootfs";
  auto status = wait_exit(*driver_, start(s));
  ASSERT_TRUE(status);
  EXPECT_NE(status->exit_code, 0) << "the root is read-only";
  EXPECT_NE(log_text(s.stderr_path).find("Read-only file system"), std::string::npos);
  auto host_links = std::distance(fs::directory_iterator("/sys/class/net"),
                                  fs::directory_iterator{});
  EXPECT_EQ(log_text(s.stdout_path),
            "hello from troupe\n" + std::to_string(host_links) + "\n");
}

TEST_F(oci_driver_test, the_pid_is_the_containers_process_not_runcs) {
  auto h = start(spec({"sleep", "100"}));
  // runc's init holds the pid until it execs the container's command (and
  // in the middle of the exec the cmdline reads empty).
  std::string cmdline;
  troupe::test::wait_until([&] {
    cmdline = slurp("/proc/" + std::to_string(h.pid) + "/cmdline");
    return !cmdline.empty() && cmdline != std::string("runc\0init\0", 10);
  });
  EXPECT_EQ(cmdline, std::string("sleep\0" "100\0", 10)) << "pid " << h.pid;
  driver_->signal(h, SIGKILL);
  ASSERT_TRUE(wait_exit(*driver_, h));
}

TEST_F(oci_driver_test, notify_exit_tells_of_the_exit) {
  auto h = start(spec({"sleep", "100"}));
  std::atomic<int> calls{0};
  ASSERT_TRUE(driver_->notify_exit(h, [&] { ++calls; }));
  driver_->signal(h, SIGKILL);
  ASSERT_TRUE(troupe::test::wait_until([&] { return calls.load() > 0; }));
  auto status = driver_->poll(h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGKILL);
}

TEST_F(oci_driver_test, an_oom_kill_says_out_of_memory_with_the_limit) {
  if (!cgroup_host::probe().usable())
    GTEST_SKIP() << "this host has no writable cgroup hierarchy";
  auto s = spec({"sh", "-c",
                 "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}"});
  s.memory_bytes = 32 << 20;
  auto h = start(s);
  auto status = wait_exit(*driver_, h, std::chrono::seconds(30));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGKILL);
  EXPECT_EQ(status->message, "killed: out of memory (limit 32MiB)");
}

TEST_F(oci_driver_test, name_latest_is_the_image_name) {
  auto s = spec({"true"});
  s.image = "busybox:latest";
  auto h = start(s);
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 0) << status->message;
}

TEST_F(oci_driver_test, the_images_cmd_env_user_and_working_dir_apply) {
  auto s = spec({});
  s.image = "configured";
  auto h = start(s);
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 0) << status->message;
  EXPECT_EQ(log_text(dir_ / "stdout.log"), "hi /www 65534\n");
  // The service's own env and folder win over the image's.
  auto over = spec({});
  over.image = "configured";
  over.env["GREETING"] = "hello";
  over.working_dir = "/tmp";
  over.stdout_path = dir_ / "over.log";
  auto h2 = start(over);
  ASSERT_TRUE(wait_exit(*driver_, h2));
  EXPECT_EQ(log_text(dir_ / "over.log"), "hello /tmp 65534\n");
}

TEST_F(oci_driver_test, read_only_makes_the_root_filesystem_read_only) {
  auto s = spec({"sh", "-c", "touch /x && echo wrote"});
  s.read_only = true;
  auto h = start(s);
  auto status = wait_exit(*driver_, h);
  ASSERT_TRUE(status);
  EXPECT_NE(status->exit_code, 0);
  EXPECT_EQ(log_text(dir_ / "stdout.log"), "");
}

TEST_F(oci_driver_test, memory_limit_reaches_the_container_cgroup) {
  auto host = cgroup_host::probe();
  if (host.version != 1)
    GTEST_SKIP() << "checked on cgroup v1 hosts only";
  auto s = spec({"sleep", "100"});
  s.memory_bytes = 32 << 20;
  auto h = start(s);
  auto dir = host.memory_root + "/troupe-test/" + h.id;
  ASSERT_TRUE(troupe::test::wait_until([&] { return runc_knows(h.id); }));
  EXPECT_EQ(read_small_file(dir + "/memory.limit_in_bytes"), "33554432");
  driver_->signal(h, SIGKILL);
  ASSERT_TRUE(wait_exit(*driver_, h));
}

} // namespace
