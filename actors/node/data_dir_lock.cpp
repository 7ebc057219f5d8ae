#include "actors/node/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace troupe {

namespace {

std::string read_pid(int fd) {
  char buf[32] = {0};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

} // namespace

data_dir_lock data_dir_lock::acquire(const std::string& data_dir, std::string* error) {
  auto path = data_dir + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open the lock file " + path + ": " + std::strerror(errno);
    return {};
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    auto pid = read_pid(fd);
    ::close(fd);
    if (err == EWOULDBLOCK)
      *error = "the data dir " + data_dir + " is in use by another troupe agent"
               + (pid.empty() ? std::string() : " (pid " + pid + ")")
               + "; stop it first or choose another --data-dir";
    else
      *error = "cannot lock " + path + ": " + std::strerror(err);
    return {};
  }
  auto pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0)
                                   != static_cast<ssize_t>(pid.size())) {
    *error = "cannot write the lock file " + path + ": " + std::strerror(errno);
    ::close(fd);
    return {};
  }
  return data_dir_lock(fd);
}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace troupe
