// Helpers shared by the runtime tests: temporary folders, reading files and
// bounded waits (poll every 10ms, give up after a deadline; never a sleep).
#pragma once

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "runtime/driver.hpp"
#include "runtime/log_stamp.hpp"

namespace troupe::test {

/// SIGKILLs (and reaps, when they are ours) the processes whose command
/// line holds `text`.
inline void kill_processes_naming(const std::string& text) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string argv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int pid = std::atoi(name.c_str());
    if (pid == ::getpid() || argv.find(text) == std::string::npos)
      continue;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, WNOHANG);
  }
}

/// A fresh folder under /tmp, removed when the object goes away, after the
/// processes whose command line names it (a test's shims and tasks, which
/// outlive a driver by design) are killed by pid.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/troupe-rt-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    kill_processes_naming(path_ + "/");
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A task log file's text with each line's stamp taken off (log_stamp.hpp).
inline std::string log_text(const std::string& path) {
  std::ifstream in(path);
  std::string out;
  for (std::string line; std::getline(in, line);)
    out += std::string(split_log_line(line).text) + "\n";
  return out;
}

/// True once `done()` holds, polling every 10ms for at most `timeout`.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// The container's exit status, or nullopt if it did not exit in time.
inline std::optional<exit_status>
wait_exit(driver& d, const container_handle& c,
          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::optional<exit_status> result;
  wait_until([&] { return (result = d.poll(c)).has_value(); }, timeout);
  return result;
}

} // namespace troupe::test
