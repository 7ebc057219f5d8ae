#include "runtime/oci_driver.hpp"

#include <cerrno>
#include <csignal>
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

std::vector<std::string> agent_env() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e)
    out.emplace_back(*e);
  return out;
}

/// The container's init pid from runc's pid file, once runc has written it
/// (0 when runc ended first or took longer than `timeout`).
int wait_for_pid_file(const std::string& file, int runc_pid,
                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(file);
    int pid = 0;
    if (in >> pid && pid > 0)
      return pid;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(runc_pid), &info,
                 WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == runc_pid)
      return 0;  // runc ended (and stays a zombie for poll())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return 0;
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
    auto ref = options_.images_dir + ":" + tag;
    if (run_command({"umoci", "unpack", "--image", ref, bundle}, &output) != 0) {
      *error = "cannot unpack image '" + spec.image + "': " + first_line(output);
      return false;
    }
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
  if (!make_dirs(spec.task_dir, error))
    return false;
  auto bundle = fs::absolute(spec.task_dir).string() + "/bundle-" + id;
  std::error_code ec;
  if (fs::exists(bundle, ec)) { // left over from a crash: start afresh
    std::string ignored;
    run_command(runc_argv({"delete", "-f", id}), &ignored, 5000);
    fs::remove_all(bundle, ec);
  }
  entry e;
  e.bundle = bundle;
  e.memory_bytes = spec.memory_bytes;
  if (spec.memory_bytes > 0 && host_.usable()
      && !e.memory.create(host_, options_.cgroup_parent, id,
                          cgroup_limits{0, spec.memory_bytes}, error))
    return false;
  auto pid_file = bundle + "/container.pid";
  child_options o;
  o.argv = runc_argv({"run", "--pid-file", pid_file, "--bundle", bundle, id});
  o.env = agent_env();
  o.stdout_path = spec.stdout_path;
  o.stderr_path = spec.stderr_path;
  if (!prepare_bundle(spec, id, bundle, error)
      || !spawn_child(o, &e.pid, error)) {
    fs::remove_all(bundle, ec);
    e.memory.remove();
    return false;
  }
  int init_pid = wait_for_pid_file(pid_file, e.pid, std::chrono::seconds(10));
  out->id = id;
  out->pid = init_pid > 0 ? init_pid : e.pid;
  std::lock_guard<std::mutex> guard(mtx_);
  entries_[id] = std::move(e);
  return true;
}

std::optional<exit_status> oci_driver::poll(const container_handle& c) {
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = entries_.find(c.id);
  if (i == entries_.end())
    return reap_child(c.pid);
  if (!i->second.exit) {
    i->second.exit = reap_child(i->second.pid);
    // runc reports a container killed by signal N as exit code 128+N.
    auto& x = i->second.exit;
    if (x && x->exit_code == 128 + SIGKILL && !i->second.memory.dirs().empty()
        && oom_kills(i->second.memory.dirs().front()) > 0)
      x->message = oom_message(i->second.memory_bytes);
    else if (x && x->exit_code > 128 && x->exit_code < 128 + 65)
      x->message += " (" + signal_name(x->exit_code - 128) + ")";
  }
  return i->second.exit;
}

bool oci_driver::notify_exit(const container_handle& c,
                             std::function<void()> on_exit) {
  int pid = 0;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    if (i == entries_.end())
      return false;
    if (!i->second.exit)
      pid = i->second.pid;
  }
  if (pid == 0) {
    on_exit();
    return true;
  }
  return watcher_.watch(pid, std::move(on_exit));
}

void oci_driver::signal(const container_handle& c, int signal) {
  int pid = c.pid;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    if (i != entries_.end() && i->second.exit)
      return;
    if (i != entries_.end())
      pid = i->second.pid;
  }
  auto name = signal_name(signal);
  if (name.rfind("SIG", 0) == 0)
    name = name.substr(3);
  else
    name = std::to_string(signal);
  std::string output;
  if (run_command(runc_argv({"kill", c.id, name}), &output, 5000) != 0
      && pid > 0)
    ::kill(pid, signal); // runc run forwards it to the container
}

std::vector<std::string> oci_driver::exec_argv(
  const container_handle& c, const std::vector<std::string>& cmd) const {
  std::vector<std::string> args{"exec", c.id};
  args.insert(args.end(), cmd.begin(), cmd.end());
  return runc_argv(std::move(args));
}

void oci_driver::cleanup(const container_handle& c) {
  if (!poll(c)) { // cleanup before the exit: force it
    signal(c, SIGKILL);
    for (int i = 0; i < 500 && !poll(c); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!poll(c) && c.pid > 0)
      ::kill(c.pid, SIGKILL);
  }
  std::string output;
  run_command(runc_argv({"delete", "-f", c.id}), &output, 10000);
  entry e;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    auto i = entries_.find(c.id);
    if (i == entries_.end())
      return;
    e = std::move(i->second);
    entries_.erase(i);
  }
  std::error_code ec;
  fs::remove_all(e.bundle, ec);
  e.memory.remove();
  if (!e.exit)
    while (::waitpid(e.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

} // namespace troupe
