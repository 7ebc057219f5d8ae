#include "runtime/cgroups.hpp"

#include <algorithm>
#include <unistd.h>

#include "config/units.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace troupe {
namespace {

constexpr int64_t cfs_period_us = 100000;

bool has_token(const std::string& csv, const std::string& token) {
  std::stringstream in(csv);
  std::string item;
  while (std::getline(in, item, ','))
    if (item == token)
      return true;
  return false;
}

bool writable_dir(const std::string& dir) {
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)
         && ::access(dir.c_str(), W_OK) == 0;
}

// v1: the mount points of the cgroup hierarchies holding `memory` and `cpu`.
void find_v1_mounts(std::string* memory, std::string* cpu) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos)
      continue;
    std::stringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
    std::string id, parent, dev, root, mount_point, fstype, source, options;
    head >> id >> parent >> dev >> root >> mount_point;
    tail >> fstype >> source >> options;
    if (fstype != "cgroup")
      continue;
    if (memory->empty() && has_token(options, "memory"))
      *memory = mount_point;
    if (cpu->empty() && has_token(options, "cpu"))
      *cpu = mount_point;
  }
}

bool make_cgroup_dir(const std::string& dir, std::string* error) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST)
    return true;
  *error = "cannot create cgroup '" + dir + "': " + std::strerror(errno);
  return false;
}

std::string join(const std::string& a, const std::string& b) {
  if (b.empty())
    return a;
  return a + (b.front() == '/' ? "" : "/") + b;
}

} // namespace

bool write_file(const std::string& file, const std::string& value,
                std::string* error) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0
            && ::write(fd, value.data(), value.size())
                 == static_cast<ssize_t>(value.size());
  int err = errno;
  if (fd >= 0)
    ::close(fd);
  if (!ok && error)
    *error = "cannot write '" + value + "' to " + file + ": " + std::strerror(err);
  return ok;
}

std::string read_small_file(const std::string& file) {
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  while (!content.empty() && content.back() == '\n')
    content.pop_back();
  return content;
}

uint64_t oom_kills(const std::string& dir) {
  for (const char* file : {"/memory.events", "/memory.oom_control"}) {
    std::stringstream in(read_small_file(dir + file));
    std::string key;
    uint64_t value = 0;
    while (in >> key >> value)
      if (key == "oom_kill" && value > 0)
        return value;
  }
  // v1 counts a kill only in the victim's own cgroup (not its parents): in
  // a folder around another one (oci), the limit having been hit is what
  // this folder knows.
  std::stringstream failcnt(read_small_file(dir + "/memory.failcnt"));
  uint64_t hits = 0;
  return failcnt >> hits ? hits : 0;
}

std::string oom_message(int64_t limit_bytes) {
  return "killed: out of memory ("
         + (limit_bytes > 0 ? "limit " + format_size_bytes(limit_bytes)
                            : std::string("no limit"))
         + ")";
}

cgroup_host cgroup_host::probe() {
  cgroup_host host;
  const std::string unified = "/sys/fs/cgroup";
  if (::access((unified + "/cgroup.controllers").c_str(), R_OK) == 0) {
    auto controllers = read_small_file(unified + "/cgroup.controllers");
    std::stringstream in(controllers);
    std::string c;
    bool memory = false, cpu = false;
    while (in >> c) {
      memory = memory || c == "memory";
      cpu = cpu || c == "cpu";
    }
    if (memory && writable_dir(unified)) {
      host.version = 2;
      host.memory_root = unified;
      host.cpu_root = cpu ? unified : "";
    }
    return host;
  }
  std::string memory, cpu;
  find_v1_mounts(&memory, &cpu);
  if (!memory.empty() && writable_dir(memory)) {
    host.version = 1;
    host.memory_root = memory;
    host.cpu_root = writable_dir(cpu) ? cpu : "";
  }
  return host;
}

std::vector<std::string> shim_procs_files(const cgroup_host& host,
                                          const std::string& parent) {
  std::vector<std::string> out;
  if (!host.usable())
    return out;
  for (const auto& root : {host.memory_root, host.cpu_root}) {
    if (root.empty())
      continue;
    auto dir = join(join(root, parent), "shims");
    std::string ignored;
    auto file = dir + "/cgroup.procs";
    if (std::find(out.begin(), out.end(), file) == out.end()
        && make_cgroup_dir(join(root, parent), &ignored) && make_cgroup_dir(dir, &ignored))
      out.push_back(file);
  }
  return out;
}

void cgroup_set::adopt(const cgroup_host& host, const std::string& parent,
                       const std::string& id) {
  dirs_.clear();
  if (!host.usable())
    return;
  for (const auto& root : {host.memory_root, host.cpu_root}) {
    if (root.empty())
      continue;
    auto dir = join(join(root, parent), id);
    if (std::find(dirs_.begin(), dirs_.end(), dir) == dirs_.end()
        && ::access(dir.c_str(), F_OK) == 0)
      dirs_.push_back(dir);
  }
}

bool cgroup_set::create(const cgroup_host& host, const std::string& parent,
                        const std::string& id, const cgroup_limits& limits,
                        std::string* error) {
  if (limits.memory_bytes <= 0 && limits.cpus <= 0)
    return true;
  if (!host.usable()) {
    *error = "this host has no writable cgroup hierarchy for limits";
    return false;
  }
  auto quota = std::to_string(static_cast<int64_t>(limits.cpus * cfs_period_us));
  auto period = std::to_string(cfs_period_us);
  bool want_cpu = limits.cpus > 0 && !host.cpu_root.empty();
  bool ok = true;
  auto add_dir = [&](const std::string& root) {
    auto parent_dir = join(root, parent);
    auto dir = join(parent_dir, id);
    if (!make_cgroup_dir(parent_dir, error))
      return false;
    if (host.version == 2) {
      // Children of the root and of the parent need the controllers enabled.
      std::string ignored;
      write_file(root + "/cgroup.subtree_control",
                 want_cpu ? "+memory +cpu" : "+memory", &ignored);
      write_file(parent_dir + "/cgroup.subtree_control",
                 want_cpu ? "+memory +cpu" : "+memory", &ignored);
    }
    if (!make_cgroup_dir(dir, error))
      return false;
    dirs_.push_back(dir);
    return true;
  };
  if (host.version == 2) {
    ok = add_dir(host.memory_root);
    if (ok && limits.memory_bytes > 0)
      ok = write_file(dirs_.back() + "/memory.max",
                      std::to_string(limits.memory_bytes), error);
    if (ok && want_cpu)
      ok = write_file(dirs_.back() + "/cpu.max", quota + " " + period, error);
  } else {
    if (limits.memory_bytes > 0) {
      ok = add_dir(host.memory_root)
           && write_file(dirs_.back() + "/memory.limit_in_bytes",
                         std::to_string(limits.memory_bytes), error);
    }
    if (ok && want_cpu) {
      ok = add_dir(host.cpu_root)
           && write_file(dirs_.back() + "/cpu.cfs_period_us", period, error)
           && write_file(dirs_.back() + "/cpu.cfs_quota_us", quota, error);
    }
  }
  if (!ok)
    remove();
  return ok;
}

std::vector<std::string> cgroup_set::procs_files() const {
  std::vector<std::string> out;
  for (auto& dir : dirs_)
    out.push_back(dir + "/cgroup.procs");
  return out;
}

void cgroup_set::remove() {
  for (auto& dir : dirs_) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
        break;
      std::stringstream pids(read_small_file(dir + "/cgroup.procs"));
      int pid;
      while (pids >> pid)
        ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  dirs_.clear();
}

} // namespace troupe
