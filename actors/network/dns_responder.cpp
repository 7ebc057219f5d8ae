#include "actors/network/dns_responder.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/observe/probe.hpp"

namespace troupe {

dns_state::~dns_state() {
  if (fd >= 0)
    ::close(fd);
}

namespace {

void update_summary(dns_pointer self) {
  auto& st = self->state;
  observe::set_summary(self, std::to_string(st.names.size()) + " names, "
                               + std::to_string(st.answered) + " answered");
}

/// Answers every packet queued on the socket (after waiting up to 50ms).
void drain(dns_pointer self) {
  auto& st = self->state;
  pollfd p{st.fd, POLLIN, 0};
  if (::poll(&p, 1, 50) <= 0)
    return;
  uint8_t buf[4096];
  for (int i = 0; i < 256; ++i) {
    sockaddr_storage from{};
    socklen_t len = sizeof(from);
    auto n = ::recvfrom(st.fd, buf, sizeof(buf), MSG_DONTWAIT,
                        reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0)
      break;
    auto reply = network::dns_answer(buf, static_cast<size_t>(n), st.names);
    if (reply.empty()) {
      ++st.ignored;
      continue;
    }
    ::sendto(st.fd, reply.data(), reply.size(), MSG_DONTWAIT,
             reinterpret_cast<sockaddr*>(&from), len);
    ++st.answered;
  }
  update_summary(self);
}

} // namespace

caf::behavior dns_responder(dns_pointer self, int fd) {
  observe::describe(self, observe::actor_kind::other, "dns");
  self->state.fd = fd;
  self->send(self, atom::tick_v);
  return {
    [=](atom::route, const pb::RouteTable& table) {
      self->state.names = network::dns_names::from(table);
      update_summary(self);
    },
    [=](atom::tick) {
      drain(self);
      self->send(self, atom::tick_v);
    },
  };
}

} // namespace troupe
