#include "tests/integration/http_load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "tests/integration/harness.hpp"

namespace troupe::itest {

namespace {

/// Waits until fd is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    auto left = deadline_ms - now_ms();
    if (left <= 0)
      return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0)
      return true;
    if (n < 0 && errno != EINTR)
      return false;
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

} // namespace

http_reply http_get(const std::string& host, int port, const std::string& path,
                    int timeout_ms) {
  http_reply reply;
  auto deadline = now_ms() + timeout_ms;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    reply.error = std::string("socket: ") + std::strerror(errno);
    return reply;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  auto fail = [&](const std::string& what) {
    reply.error = what;
    ::close(fd);
    return reply;
  };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS)
      return fail(std::string("connect: ") + std::strerror(errno));
    if (!wait_ready(fd, POLLOUT, deadline))
      return fail("connect timed out");
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
      return fail(std::string("connect: ") + std::strerror(err));
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      if (!wait_ready(fd, POLLOUT, deadline))
        return fail("send timed out");
    } else {
      return fail(std::string("send: ") + std::strerror(errno));
    }
  }
  std::string response;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      response.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN) {
      if (!wait_ready(fd, POLLIN, deadline))
        return fail("no complete response in time (" + std::to_string(response.size())
                    + " bytes)");
    } else {
      return fail(std::string("recv: ") + std::strerror(errno) + " after "
                  + std::to_string(response.size()) + " bytes");
    }
  }
  ::close(fd);
  auto header_end = response.find("\r\n\r\n");
  if (response.empty())
    reply.error = "connection closed without a response";
  else if (header_end == std::string::npos) {
    reply.error = "incomplete response: " + response.substr(0, 80);
    reply.cut_off = true;
  }
  else if (response.compare(0, 12, "HTTP/1.0 200") != 0
           && response.compare(0, 12, "HTTP/1.1 200") != 0)
    reply.error = "status: " + response.substr(0, response.find('\r'));
  else {
    reply.body = trim(response.substr(header_end + 4));
    reply.ok = !reply.body.empty();
    if (!reply.ok) {
      reply.error = "empty body";
      reply.cut_off = true;
    }
  }
  return reply;
}

int open_tcp(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

http_load::http_load(std::vector<target> targets, int clients, int pause_ms)
  : targets_(std::move(targets)), clients_(clients), pause_ms_(pause_ms) {}

http_load::~http_load() { stop(); }

void http_load::start() {
  stopping_ = false;
  for (int i = 0; i < clients_; ++i)
    threads_.emplace_back([this, i] { run(i); });
}

void http_load::stop() {
  stopping_ = true;
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

void http_load::run(int client) {
  size_t next = static_cast<size_t>(client);
  while (!stopping_) {
    const auto& t = targets_[next++ % targets_.size()];
    auto reply = http_get(t.host, t.port);
    ++sent_;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (reply.ok) {
        ++bodies_[reply.body];
        last_body_ = reply.body;
      } else {
        ++failed_;
        if (reply.cut_off)
          ++cut_off_;
        if (failures_.size() < 10)
          failures_.push_back(std::to_string(now_ms()) + " " + t.host + ":"
                              + std::to_string(t.port) + ": " + reply.error);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms_));
  }
}

std::map<std::string, int64_t> http_load::bodies() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return bodies_;
}

std::string http_load::last_body() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return last_body_;
}

std::vector<std::string> http_load::failures() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return failures_;
}

void http_load::reset_bodies() {
  std::lock_guard<std::mutex> guard(mutex_);
  bodies_.clear();
}

} // namespace troupe::itest
