#include "actors/network/dns_responder.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/observe/probe.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {

dns_server::dns_server(int fd)
  : fd_(fd), names_(std::make_shared<const network::dns_names>()) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    wake_[0] = wake_[1] = -1;
}

dns_server::~dns_server() {
  if (thread_.joinable()) {
    char x = 1;
    (void)!::write(wake_[1], &x, 1);
    thread_.join();
  }
  for (int fd : {fd_, wake_[0], wake_[1]})
    if (fd >= 0)
      ::close(fd);
}

void dns_server::start() {
  thread_ = std::thread([this] { name_this_thread("dns"); run(); });
}

void dns_server::set_names(network::dns_names names) {
  auto next = std::make_shared<const network::dns_names>(std::move(names));
  std::lock_guard<std::mutex> lock(mtx_);
  names_ = std::move(next);
}

void dns_server::run() {
  for (;;) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, wake_[0] >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (p[1].revents != 0)
      return; // stopping
    if (p[0].revents != 0)
      answer_queued();
  }
}

/// Answers every packet queued on the socket (at most 256 in a row).
void dns_server::answer_queued() {
  std::shared_ptr<const network::dns_names> names;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    names = names_;
  }
  uint8_t buf[4096];
  for (int i = 0; i < 256; ++i) {
    sockaddr_storage from{};
    socklen_t len = sizeof(from);
    auto n = ::recvfrom(fd_, buf, sizeof(buf), MSG_DONTWAIT,
                        reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0)
      break;
    auto reply = network::dns_answer(buf, static_cast<size_t>(n), *names);
    if (reply.empty()) {
      ++ignored_;
      continue;
    }
    ::sendto(fd_, reply.data(), reply.size(), MSG_DONTWAIT,
             reinterpret_cast<sockaddr*>(&from), len);
    ++answered_;
  }
}

caf::behavior dns_responder(dns_pointer self, int fd) {
  observe::describe(self, observe::actor_kind::other, "dns");
  self->state.server = std::make_unique<dns_server>(fd);
  self->state.server->start();
  return {
    [=](atom::route, const pb::RouteTable& table) {
      auto names = network::dns_names::from(table);
      auto count = names.size();
      auto& server = *self->state.server;
      server.set_names(std::move(names));
      observe::set_summary(self, std::to_string(count) + " names, "
                                   + std::to_string(server.answered())
                                   + " answered");
    },
  };
}

} // namespace troupe
