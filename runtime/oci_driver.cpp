#include "runtime/oci_driver.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/image_ref.hpp"
#include "runtime/child_process.hpp"
#include "runtime/image_store.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/shim_client.hpp"

extern char** environ;

namespace troupe {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {


std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  return text.substr(0, end);
}

// The tag in the OCI image layout at `dir` that `image` names (see
// config/image_ref.hpp: "NAME:latest" is also found as NAME, and NAME as
// "NAME:latest"), or "" with *error naming what was looked for.
std::string resolve_image(const std::string& dir, const std::string& image,
                          std::string* error) {
  std::vector<std::string> held;
  std::string why;
  if (!list_images(dir, &held, &why)) {
    *error = "image '" + image + "' not found in " + dir
             + " (no OCI image layout there)";
    return "";
  }
  auto tag = find_image(held, image);
  if (tag.empty())
    *error = "image '" + image + "' not found in " + dir;
  return tag;
}

bool edit_config(const std::string& bundle, const oci_config_input& in,
                 std::string* error) {
  auto path = bundle + "/config.json";
  std::ifstream is(path);
  json config = json::parse(is, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    *error = "cannot read the bundle's config " + path;
    return false;
  }
  apply_container_spec(config, in);
  std::ofstream os(path, std::ios::trunc);
  os << config.dump(2);
  if (!os.flush()) {
    *error = "cannot write the bundle's config " + path;
    return false;
  }
  return true;
}

// The image unpacked (umoci: rootfs/ and config.json) at `dir`, once per
// task: the restarts of a task run on the same root filesystem, as a Docker
// container keeps its filesystem across restarts. An unpack that was cut
// off (a crash) is never taken: it is made beside and renamed into place.
bool unpack_once(const std::string& ref, const std::string& dir, std::string* error) {
  std::error_code ec;
  if (fs::is_directory(dir + "/rootfs", ec) && fs::exists(dir + "/config.json", ec))
    return true;
  auto partial = dir + ".partial";
  fs::remove_all(partial, ec);
  std::string output;
  if (run_command({"umoci", "unpack", "--image", ref, partial}, &output) != 0) {
    *error = first_line(output);
    fs::remove_all(partial, ec);
    return false;
  }
  fs::remove_all(dir, ec);
  fs::rename(partial, dir, ec);
  if (ec) {
    *error = "cannot move it into place: " + ec.message();
    fs::remove_all(partial, ec);
    return false;
  }
  return true;
}

std::vector<std::string> agent_env() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e)
    out.emplace_back(*e);
  return out;
}

} // namespace

oci_driver::oci_driver(driver_options options)
  : options_(std::move(options)), host_(cgroup_host::probe()) {
  if (options_.images_dir.empty())
    options_.images_dir = default_images_dir;
}

std::string oci_driver::sanitize_id(const std::string& id) {
  std::string out;
  for (char ch : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'
              || ch == '.' || ch == '-';
    out += ok ? ch : '_';
  }
  return out;
}

std::vector<std::string>
oci_driver::runc_argv(std::vector<std::string> args) const {
  std::vector<std::string> argv{"runc"};
  if (!options_.runc_root.empty()) {
    argv.push_back("--root");
    argv.push_back(options_.runc_root);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

bool oci_driver::prepare_bundle(const container_spec& spec, const std::string& id,
                                const std::string& bundle, std::string* error) {
  std::string output;
  oci_config_input in{&spec, id, "/" + options_.cgroup_parent + "/" + id, "", false};
  container_spec without_memory;
  if (spec.memory_bytes > 0 && host_.usable()) {
    // The memory limit is on our cgroup around runc's (see the header).
    without_memory = spec;
    without_memory.memory_bytes = 0;
    in.spec = &without_memory;
    in.cgroups_path += "/ctr";
  }
  if (!spec.rootfs.empty()) {
    if (!fs::is_directory(spec.rootfs)) {
      *error = "rootfs folder '" + spec.rootfs + "' does not exist";
      return false;
    }
    if (!make_dirs(bundle, error))
      return false;
    if (run_command(runc_argv({"spec", "--bundle", bundle}), &output) != 0) {
      *error = "cannot create a runtime config: " + first_line(output);
      return false;
    }
    in.rootfs = fs::absolute(spec.rootfs).string();
    in.readonly = true;
  } else {
    if (spec.image.empty()) {
      *error = "container '" + spec.id + "' has neither an image nor a rootfs";
      return false;
    }
    auto tag = resolve_image(options_.images_dir, spec.image, error);
    if (tag.empty())
      return false;
    auto image = fs::path(bundle).parent_path().string() + "/image-" + sanitize_id(tag);
    if (!unpack_once(options_.images_dir + ":" + tag, image, error)) {
      *error = "cannot unpack image '" + spec.image + "': " + *error;
      return false;
    }
    std::error_code ec;
    if (!make_dirs(bundle, error)
        || !fs::copy_file(image + "/config.json", bundle + "/config.json",
                          fs::copy_options::overwrite_existing, ec)) {
      if (ec)
        *error = "cannot copy the image's runtime config: " + ec.message();
      return false;
    }
    in.rootfs = image + "/rootfs";
  }
  return edit_config(bundle, in, error);
}

bool oci_driver::start(const container_spec& spec, container_handle* out,
                       std::string* error) {
  auto id = sanitize_id(spec.id);
  if (id.empty() || spec.task_dir.empty()) {
    *error = "a container needs an id and a task folder";
    return false;
  }
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (entries_.count(id) > 0) {
      *error = "container '" + id + "' already exists";
      return false;
    }
  }
  if (!make_dirs(spec.task_dir, error) || !prepare_mount_sources(spec, error))
    return false;
  auto task_dir = fs::absolute(spec.task_dir).string();
  auto bundle = task_dir + "/bundle-" + id;
  std::error_code ec;
  std::string ignored;
  if (fs::exists(bundle, ec)) { // left over from a crash: start afresh
    run_command(runc_argv({"delete", "-f", id}), &ignored, 5000);
    fs::remove_all(bundle, ec);
  }
  entry e;
  e.bundle = bundle;
  e.dir = task_dir;
  e.memory_bytes = spec.memory_bytes;
  if (spec.memory_bytes > 0 && host_.usable()
      && !e.memory.create(host_, options_.cgroup_parent, id,
                          cgroup_limits{0, spec.memory_bytes}, error))
    return false;
  auto pid_file = bundle + "/container.pid";
  // The shim runs `runc run --detach`: runc starts the container and exits,
  // the container's init (with the log files as its stdout/stderr) becomes
  // the shim's child (it is a subreaper), and the shim reaps it.
  child_options o;
  o.argv = runc_argv({"run", "--detach", "--pid-file", pid_file, "--bundle", bundle, id});
  o.env = agent_env();
  o.stdout_path = spec.stdout_path;
  o.stderr_path = spec.stderr_path;
  shim_started started;
  if (!prepare_bundle(spec, id, bundle, error)
      || !start_shim(o, task_dir, pid_file, &started, error,
                     shim_procs_files(host_, options_.cgroup_parent))) {
    run_command(runc_argv({"delete", "-f", id}), &ignored, 5000);
    fs::remove_all(bundle, ec);
    e.memory.remove();
    return false;
  }
  e.pid = started.pid;
  e.wait_fd = shim_wait_fd(task_dir);
  out->id = id;
  out->pid = e.pid;
  out->dir = task_dir;
  std::lock_guard<std::mutex> guard(mtx_);
  entries_[id] = std::move(e);
  return true;
}

oci_driver::entry& oci_driver::attach_locked(const container_handle& c) {
  auto i = entries_.find(c.id);
  if (i != entries_.end())
    return i->second;
  entry& e = entries_[c.id];
  e.pid = c.pid;
  e.dir = c.dir;
  e.bundle = c.dir + "/bundle-" + c.id;
  e.memory.adopt(host_, options_.cgroup_parent, c.id);
  e.wait_fd = shim_wait_fd(e.dir);
  return e;
}

void oci_driver::check_exit(entry& e, int timeout_ms) {
  if (e.exit)
    return;
  e.exit = shim_exit(e.wait_fd, e.dir, timeout_ms, &e.lost);
  if (e.lost) {
    // The shim is gone without a record (killed): the container may still
    // run; cleanup's `runc delete -f` ends it.
    e.exit = exit_status{128 + SIGKILL, "killed: its shim ended unexpectedly", 0};
    e.lost = true;
  }
  if (e.exit && e.exit->exit_code == 128 + SIGKILL && !e.memory.dirs().empty()
      && oom_kills(e.memory.dirs().front()) > 0)
    e.exit->message = oom_message(e.memory_bytes);
}

std::optional<exit_status> oci_driver::poll(const container_handle& c) {
  std::lock_guard<std::mutex> guard(mtx_);
  auto& e = attach_locked(c);
  check_exit(e, 0);
  return e.exit;
}

bool oci_driver::notify_exit(const container_handle& c,
                             std::function<void()> on_exit) {
  int fd = -1;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto& e = attach_locked(c);
    if (!e.exit && e.wait_fd >= 0)
      fd = ::fcntl(e.wait_fd, F_DUPFD_CLOEXEC, 0);
  }
  if (fd < 0) {
    on_exit();
    return true;
  }
  return watcher_.watch_fd(fd, std::move(on_exit));
}

void oci_driver::signal(const container_handle& c, int signal) {
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    if (i != entries_.end() && i->second.exit)
      return;
  }
  auto name = signal_name(signal);
  if (name.rfind("SIG", 0) == 0)
    name = name.substr(3);
  else
    name = std::to_string(signal);
  std::string output;
  if (run_command(runc_argv({"kill", c.id, name}), &output, 5000) != 0
      && !c.dir.empty())
    shim_call(c.dir, "signal " + std::to_string(signal), &output);
}

std::vector<std::string> oci_driver::exec_argv(const container_handle& c,
                                              const std::vector<std::string>& cmd,
                                              bool tty) const {
  std::vector<std::string> args{"exec"};
  if (tty)
    args.insert(args.end(), {"--tty", "--env", "TERM=xterm"});
  args.push_back(c.id);
  args.insert(args.end(), cmd.begin(), cmd.end());
  return runc_argv(std::move(args));
}

void oci_driver::cleanup(const container_handle& c) {
  entry e;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    attach_locked(c);
    auto i = entries_.find(c.id);
    e = std::move(i->second);
    entries_.erase(i);
  }
  check_exit(e, 0);
  if (!e.exit) { // cleanup before the exit: force it
    signal(c, SIGKILL);
    check_exit(e, 10000);
  }
  std::string output;
  run_command(runc_argv({"delete", "-f", c.id}), &output, 10000);
  shim_call(e.dir, "done", &output);
  if (e.wait_fd >= 0)
    ::close(e.wait_fd);
  remove_exit_record(e.dir);
  std::error_code ec;
  fs::remove_all(e.bundle, ec);
  e.memory.remove();
}

} // namespace troupe
