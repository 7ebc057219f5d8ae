// One agent per data dir: an exclusive flock on DATA_DIR/lock, held for the
// life of the process (the kernel drops it when the process ends, however it
// ends). The lock file holds the holder's pid, so a second agent refuses with
// one sentence naming it. No CAF; plain POSIX.
#pragma once

#include <string>

namespace troupe {

class data_dir_lock {
public:
  /// Locks `data_dir` (which must exist); on failure returns a lock that is
  /// not held and sets *error to one sentence (naming the holder's pid when
  /// another process holds it).
  static data_dir_lock acquire(const std::string& data_dir, std::string* error);

  data_dir_lock() = default;
  data_dir_lock(data_dir_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;
  ~data_dir_lock();

  bool held() const { return fd_ >= 0; }

private:
  explicit data_dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace troupe
