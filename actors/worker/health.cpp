// Health checks on a helper thread (see health.hpp).
#include "actors/worker/health.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "runtime/child_process.hpp"

namespace troupe {
namespace {

using clock_type = std::chrono::steady_clock;

int remaining_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - clock_type::now())
                .count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// A connected socket to host:port, or -1 with *error.
int connect_to(const std::string& host, uint32_t port,
               clock_type::time_point deadline, std::string* error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    *error = "bad address " + host;
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  std::string where = host + ":" + std::to_string(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      && errno != EINPROGRESS) {
    *error = "cannot connect to " + where + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, remaining_ms(deadline)) != 1) {
    *error = "no connection to " + where + " within the timeout";
    ::close(fd);
    return -1;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    *error = "cannot connect to " + where + ": " + std::strerror(err);
    ::close(fd);
    return -1;
  }
  return fd;
}

check_result tcp_check(const health_target& t, clock_type::time_point deadline) {
  check_result r;
  int fd = connect_to(t.host, t.port, deadline, &r.message);
  if (fd < 0)
    return r;
  ::close(fd);
  r.ok = true;
  return r;
}

check_result http_check(const health_target& t,
                        clock_type::time_point deadline) {
  check_result r;
  int fd = connect_to(t.host, t.port, deadline, &r.message);
  if (fd < 0)
    return r;
  std::string request = "GET " + t.check.http() + " HTTP/1.0\r\nHost: "
                        + t.host + "\r\nUser-Agent: troupe-health\r\n"
                        + "Connection: close\r\n\r\n";
  size_t sent = 0;
  std::string reply;
  while (reply.find("\r\n") == std::string::npos) {
    short events = sent < request.size() ? POLLOUT : POLLIN;
    pollfd p{fd, events, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) != 1) {
      r.message = "no HTTP answer within the timeout";
      break;
    }
    if (sent < request.size()) {
      ssize_t n = ::send(fd, request.data() + sent, request.size() - sent,
                         MSG_NOSIGNAL);
      if (n <= 0) {
        r.message = "connection closed while sending";
        break;
      }
      sent += static_cast<size_t>(n);
      continue;
    }
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.message = "connection closed before an HTTP status line";
      break;
    }
    reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!r.message.empty())
    return r;
  // "HTTP/1.x CODE reason"
  auto sp = reply.find(' ');
  int code = sp == std::string::npos ? 0 : std::atoi(reply.c_str() + sp + 1);
  r.ok = code >= 200 && code < 400;
  if (!r.ok)
    r.message = "GET " + t.check.http() + " answered "
                + reply.substr(0, reply.find("\r\n"));
  return r;
}

check_result cmd_check(const health_target& t,
                       clock_type::time_point deadline) {
  check_result r;
  child_options o;
  o.argv = t.argv;
  o.env = t.env;
  o.working_dir = t.working_dir;
  int pid = 0;
  if (!spawn_child(o, &pid, &r.message))
    return r;
  for (;;) {
    if (auto st = reap_child(pid)) {
      r.ok = st->exit_code == 0;
      if (!r.ok)
        r.message = "check command " + st->message;
      return r;
    }
    if (clock_type::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid, SIGKILL); // its own process group
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.message = "check command did not finish within the timeout";
  return r;
}

} // namespace

check_result run_health_check(const health_target& t) {
  auto deadline = clock_type::now()
                  + std::chrono::milliseconds(
                    std::max<int64_t>(t.check.timeout_ms(), 1));
  if (t.probe)
    return t.probe();
  if (t.check.cmd_size() > 0)
    return cmd_check(t, deadline);
  if (t.port == 0)
    return {false, "the task has no host port to check"};
  if (!t.check.http().empty())
    return http_check(t, deadline);
  return tcp_check(t, deadline);
}

health_monitor::health_monitor(health_target target, int64_t started_ms)
  : target_(std::move(target)), state_(target_.check, started_ms) {
}

std::optional<std::string> health_monitor::poll(int64_t now_ms) {
  std::string before = state_.state();
  if (running_) {
    std::optional<check_result> result;
    {
      std::lock_guard<std::mutex> guard(running_->mtx);
      result = running_->result;
    }
    if (!result)
      return std::nullopt;
    running_.reset();
    message_ = result->ok ? "" : result->message;
    state_.on_result(result->ok, now_ms);
  } else if (now_ms >= state_.next_check_at() && state_.state() != "unhealthy") {
    state_.on_started(now_ms);
    running_ = std::make_shared<slot>();
    std::thread([target = target_, s = running_] {
      auto r = run_health_check(target);
      std::lock_guard<std::mutex> guard(s->mtx);
      s->result = std::move(r);
    }).detach();
  }
  if (state_.state() != before)
    return state_.state();
  return std::nullopt;
}

} // namespace troupe
