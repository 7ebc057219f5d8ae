#include "runtime/exit_watcher.hpp"

#include <cerrno>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <vector>
#include "runtime/child_process.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {
namespace {

constexpr uint64_t wake_key = 0;

} // namespace

exit_watcher::exit_watcher() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0)
    return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = wake_key;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { name_this_thread("exit.watcher"); run(); });
}

exit_watcher::~exit_watcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    ssize_t n = ::write(wake_fd_, &one, sizeof one);
    (void) n;
    thread_.join();
  }
  for (auto& [key, e] : entries_)
    ::close(e.pidfd);
  if (epoll_fd_ >= 0)
    ::close(epoll_fd_);
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
}

bool exit_watcher::watch(int pid, std::function<void()> on_exit) {
  if (!thread_.joinable() || pid <= 0)
    return false;
  int fd = open_pidfd(pid);
  if (fd < 0) {
    if (errno != ESRCH)
      return false;
    on_exit(); // gone (and reaped) already
    return true;
  }
  return watch_fd(fd, std::move(on_exit));
}

bool exit_watcher::watch_fd(int fd, std::function<void()> on_exit) {
  if (!thread_.joinable() || fd < 0) {
    if (fd >= 0)
      ::close(fd);
    return false;
  }
  std::lock_guard<std::mutex> guard(mtx_);
  uint64_t key = next_key_++;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = key;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    ::close(fd);
    return false;
  }
  entries_.emplace(key, watch_entry{fd, std::move(on_exit)});
  return true;
}

size_t exit_watcher::watched() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return entries_.size();
}

void exit_watcher::run() {
  std::vector<epoll_event> events(256);
  for (;;) {
    int n = ::epoll_wait(epoll_fd_, events.data(),
                         static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    std::vector<std::function<void()>> ended;
    {
      std::lock_guard<std::mutex> guard(mtx_);
      for (int i = 0; i < n; ++i) {
        uint64_t key = events[i].data.u64;
        if (key == wake_key)
          return;
        auto it = entries_.find(key);
        if (it == entries_.end())
          continue;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.pidfd, nullptr);
        ::close(it->second.pidfd);
        ended.push_back(std::move(it->second.on_exit));
        entries_.erase(it);
      }
    }
    for (auto& f : ended)
      f();
  }
}

} // namespace troupe
