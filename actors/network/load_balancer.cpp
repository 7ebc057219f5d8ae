#include "actors/network/load_balancer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/io/system_messages.hpp>

#include "actors/network/core/proxy_protocol.hpp"
#include "actors/network/sockets.hpp"
#include "actors/observe/probe.hpp"

namespace troupe {

namespace {

using caf::io::connection_handle;

constexpr size_t read_chunk = 16 * 1024;    // CAF keeps one such buffer per socket
constexpr size_t max_clients = 8192;        // per balancer; more are closed at once
constexpr size_t replay_limit = 64 * 1024;  // client bytes kept for a retry
constexpr uint64_t high_water = 1024 * 1024;
constexpr uint64_t low_water = 256 * 1024;

std::vector<network::endpoint> endpoints_of(const pb::Route& route) {
  std::vector<network::endpoint> out;
  for (const auto& ep : route.endpoints())
    out.push_back({ep.task_id(), ep.address(), static_cast<uint16_t>(ep.port())});
  return out;
}

void update_summary(lb_pointer self) {
  auto& st = self->state;
  observe::set_summary(self, std::to_string(st.balancer.endpoints().size())
                               + " endpoints, "
                               + std::to_string(st.conns.size() / 2)
                               + " open, " + std::to_string(st.accepted)
                               + " accepted");
}

/// The client's and the listener's addresses of an accepted socket.
network::proxy_addresses addresses_of(int fd) {
  network::proxy_addresses out;
  sockaddr_in peer{}, local{};
  socklen_t len = sizeof(peer);
  char text[INET_ADDRSTRLEN];
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0
      && peer.sin_family == AF_INET && inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text))) {
    out.source = text;
    out.source_port = ntohs(peer.sin_port);
  }
  len = sizeof(local);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0
      && local.sin_family == AF_INET && inet_ntop(AF_INET, &local.sin_addr, text, sizeof(text))) {
    out.destination = text;
    out.destination_port = ntohs(local.sin_port);
  }
  return out;
}

void send_to(lb_pointer self, connection_handle hdl, lb_connection& side,
             const char* data, size_t n) {
  side.unsent += n;
  self->write(hdl, n, data);
  self->flush(hdl);
}

/// Passes a client's end of input on to its backend once the backend has
/// every byte (shutdown of the write side: the backend sees EOF).
void fin_backend(connection_handle backend, lb_connection& b) {
  if (b.unsent == 0)
    ::shutdown(static_cast<int>(backend.id()), SHUT_WR);
  else
    b.fin_when_drained = true;
}

/// Starts a connection from `client` to an endpoint not tried yet, sending
/// it the client's bytes so far. False when no endpoint is left.
bool connect_backend(lb_pointer self, connection_handle client) {
  auto& st = self->state;
  for (;;) {
    auto& c = st.conns[client];
    auto ep = st.balancer.pick(c.tried);
    if (!ep)
      return false;
    auto key = ep->key();
    c.tried.insert(key);
    std::string error;
    int fd = network::start_connect(ep->address, ep->port, &error);
    if (fd < 0)
      continue;
    auto backend = self->add_scribe(fd);
    self->configure_read(backend, caf::io::receive_policy::at_most(read_chunk));
    self->ack_writes(backend, true);
    c.peer = backend;
    c.backend = key;
    auto& b = st.conns[backend];
    b.peer = client;
    b.backend = key;
    st.balancer.opened(key);
    if (!c.proxy_header.empty())
      send_to(self, backend, b, c.proxy_header.data(), c.proxy_header.size());
    if (!c.sent.empty())  // (std::map: c stays valid across the insert)
      send_to(self, backend, b, c.sent.data(), c.sent.size());
    if (c.write_only)
      fin_backend(backend, b);
    return true;
  }
}

/// Forgets `hdl` (and closes it if it is still open).
void drop(lb_pointer self, connection_handle hdl) {
  auto& st = self->state;
  auto i = st.conns.find(hdl);
  if (i == st.conns.end())
    return;
  if (i->second.client) {
    if (i->second.spare_fd >= 0)
      ::close(i->second.spare_fd);
    st.metrics.on_close();
  } else {
    st.balancer.closed(i->second.backend);
  }
  st.conns.erase(i);
  self->close(hdl);
}

/// The client's read side ended (EOF or reset). With a backend that may still
/// answer, its socket is reopened write-only (from the dup) and the FIN is
/// passed on; otherwise both sides go.
void on_client_closed(lb_pointer self, connection_handle hdl) {
  auto& st = self->state;
  auto side = st.conns[hdl];
  st.conns.erase(hdl);
  auto backend = st.conns.find(side.peer);
  bool half_close = !side.write_only && side.spare_fd >= 0 && backend != st.conns.end()
                    && (side.answered || !side.sent.empty());
  if (!half_close) {
    if (side.spare_fd >= 0)
      ::close(side.spare_fd);
    st.metrics.on_close();
    drop(self, side.peer);
    update_summary(self);
    return;
  }
  auto reopened = self->add_scribe(side.spare_fd);
  self->halt(reopened);  // write-only: its input already ended
  self->ack_writes(reopened, true);
  side.spare_fd = -1;
  side.write_only = true;
  side.halted = false;
  side.unsent = 0;
  backend->second.peer = reopened;
  fin_backend(backend->first, backend->second);
  st.conns[reopened] = std::move(side);
}

void on_closed(lb_pointer self, connection_handle hdl) {
  auto& st = self->state;
  auto i = st.conns.find(hdl);
  if (i == st.conns.end())
    return;
  if (i->second.client) {
    on_client_closed(self, hdl);
    return;
  }
  // A backend closed. Before it answered anything, the client's request
  // goes to another endpoint; afterwards the client's side ends too.
  auto side = i->second;
  st.balancer.closed(side.backend);
  st.conns.erase(i);
  auto client = st.conns.find(side.peer);
  if (client == st.conns.end())
    return;
  auto& c = client->second;
  if (!c.answered && c.sent.size() <= replay_limit) {
    if (connect_backend(self, side.peer))
      return;
    ++st.failed;
    st.metrics.on_fail();
  }
  drop(self, side.peer);
  update_summary(self);
}

void on_data(lb_pointer self, const caf::io::new_data_msg& msg) {
  auto& st = self->state;
  auto i = st.conns.find(msg.handle);
  if (i == st.conns.end())
    return;
  auto& side = i->second;
  if (side.client) {
    st.bytes_in += msg.buf.size();
    st.metrics.add_in(msg.buf.size());
    if (!side.answered && side.sent.size() <= replay_limit)
      side.sent.insert(side.sent.end(), msg.buf.begin(), msg.buf.end());
  } else {
    st.bytes_out += msg.buf.size();
    st.metrics.add_out(msg.buf.size());
    auto client = st.conns.find(side.peer);
    if (client != st.conns.end() && !client->second.answered) {
      client->second.answered = true;
      client->second.sent.clear();
      client->second.sent.shrink_to_fit();
    }
  }
  auto peer = st.conns.find(side.peer);
  if (peer == st.conns.end())
    return;
  send_to(self, side.peer, peer->second, msg.buf.data(), msg.buf.size());
}

/// Tracks `hdl`'s backlog: pauses reading its source while it is high,
/// and sends a pending FIN once it is empty.
void on_transferred(lb_pointer self, const caf::io::data_transferred_msg& msg) {
  auto& st = self->state;
  auto i = st.conns.find(msg.handle);
  if (i == st.conns.end())
    return;
  auto& sink = i->second;
  sink.unsent = msg.remaining;
  if (sink.fin_when_drained && sink.unsent == 0) {
    sink.fin_when_drained = false;
    ::shutdown(static_cast<int>(msg.handle.id()), SHUT_WR);
  }
  auto source = st.conns.find(sink.peer);
  if (source == st.conns.end() || source->second.write_only)
    return;
  if (!source->second.halted && msg.remaining > high_water) {
    source->second.halted = true;
    self->halt(source->first);
  } else if (source->second.halted && msg.remaining < low_water) {
    source->second.halted = false;
    self->trigger(source->first);
  }
}

} // namespace

caf::behavior load_balancer(lb_pointer self, int listen_fd, pb::Route route,
                            uint32_t listen_port) {
  auto& st = self->state;
  observe::describe(self, observe::actor_kind::load_balancer,
                    "lb/" + route.service() + ":" + std::to_string(listen_port));
  st.balancer.set_policy(network::parse_balance(route.balance()));
  st.balancer.set_endpoints(endpoints_of(route));
  st.metrics = network::lb_metrics::of(route.service(), listen_port);
  st.route = std::move(route);
  self->add_doorman(listen_fd);
  update_summary(self);
  self->attach_functor([self, metrics = st.metrics]() mutable {
    for (auto& [hdl, side] : self->state.conns)
      if (side.spare_fd >= 0)
        ::close(side.spare_fd);
    metrics.release(); // a removed service's series are no longer exported
  });
  return {
    [=](const caf::io::new_connection_msg& msg) {
      auto& st = self->state;
      if (st.conns.size() >= 2 * max_clients) {
        ++st.failed;
        st.metrics.on_fail();
        self->close(msg.handle);
        return;
      }
      ++st.accepted;
      st.metrics.on_accept();
      auto& c = st.conns[msg.handle];
      c.client = true;
      c.spare_fd = ::fcntl(static_cast<int>(msg.handle.id()), F_DUPFD_CLOEXEC, 0);
      if (!st.route.proxy_protocol().empty())
        c.proxy_header = network::proxy_header(st.route.proxy_protocol(),
                                               addresses_of(static_cast<int>(msg.handle.id())));
      self->configure_read(msg.handle, caf::io::receive_policy::at_most(read_chunk));
      self->ack_writes(msg.handle, true);
      if (!connect_backend(self, msg.handle)) {
        ++st.failed;
        st.metrics.on_fail();
        drop(self, msg.handle);
      }
      update_summary(self);
    },
    [=](const caf::io::new_data_msg& msg) { on_data(self, msg); },
    [=](const caf::io::data_transferred_msg& msg) { on_transferred(self, msg); },
    [=](const caf::io::connection_closed_msg& msg) { on_closed(self, msg.handle); },
    [=](const caf::io::acceptor_closed_msg&) {
      self->quit(caf::make_error(caf::sec::runtime_error, "listening socket closed"));
    },
    [=](atom::route, const pb::Route& next) {
      auto& st = self->state;
      st.balancer.set_policy(network::parse_balance(next.balance()));
      st.balancer.set_endpoints(endpoints_of(next));
      st.route = next;
      update_summary(self);
    },
  };
}

} // namespace troupe
