#include "actors/node/api_socket.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <zmq_addon.hpp>
#include "runtime/thread_name.hpp"

namespace troupe {

namespace {

constexpr size_t max_reads_per_wakeup = 256;
/// Connections the kernel holds before the socket thread accepts them
/// (ZeroMQ's default is 100: 64 clients at once overflowed it, and a
/// refused SYN looked to the client like a node that does not answer).
constexpr int max_pending_connections = 1024;

} // namespace

api_socket::api_socket() {
  if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw zmq::error_t();
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::backlog, max_pending_connections);
  socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits_.max_request_bytes));
}

api_socket::~api_socket() {
  stop();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void api_socket::set_limits(const input_limits& limits) {
  limits_ = limits;
  socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits_.max_request_bytes));
}

void api_socket::bind(const std::string& endpoint) { socket_.bind(endpoint); }

void api_socket::start(std::function<void()> on_request) {
  on_request_ = std::move(on_request);
  thread_ = std::thread([this] { name_this_thread("api.socket"); run(); });
}

void api_socket::stop() {
  if (!thread_.joinable())
    return;
  stopping_ = true;
  wake();
  thread_.join();
}

std::vector<api_request> api_socket::take() {
  std::lock_guard<std::mutex> guard(mutex_);
  std::vector<api_request> out;
  out.swap(inbox_);
  return out;
}

void api_socket::send(std::vector<std::string> envelope, std::string payload) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    outbox_.push_back({std::move(envelope), std::move(payload)});
  }
  wake();
}

void api_socket::wake() {
  char c = 1;
  // A full pipe already holds a wake-up: nothing is lost.
  [[maybe_unused]] auto n = ::write(pipe_[1], &c, 1);
}

void api_socket::flush_replies() {
  char buf[256];
  while (::read(pipe_[0], buf, sizeof(buf)) > 0) {
  }
  std::deque<api_request> out;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    out.swap(outbox_);
  }
  for (auto& r : out) {
    zmq::multipart_t msg;
    for (auto& frame : r.envelope)
      msg.addstr(std::move(frame));
    msg.addstr(std::move(r.payload));
    try {
      msg.send(socket_, ZMQ_DONTWAIT);
    } catch (const zmq::error_t&) {
      // The client is gone (ROUTER drops unroutable replies): nothing to do.
    }
  }
}

void api_socket::read_requests() {
  bool was_empty = false;
  size_t got = 0;
  std::vector<api_request> batch;
  for (size_t n = 0; n < max_reads_per_wakeup; ++n) {
    zmq::multipart_t msg;
    if (!msg.recv(socket_, ZMQ_DONTWAIT))
      break;
    if (msg.size() < 2)
      continue; // not a routed request: nobody to answer
    api_request r;
    while (msg.size() > 1)
      r.envelope.push_back(msg.popstr());
    r.payload = msg.popstr();
    batch.push_back(std::move(r));
    ++got;
  }
  if (got == 0)
    return;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    was_empty = inbox_.empty();
    for (auto& r : batch)
      inbox_.push_back(std::move(r));
  }
  if (was_empty && on_request_)
    on_request_();
}

void api_socket::run() {
  while (!stopping_) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, pipe_[0], ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR)
        continue;
      return; // the context is gone
    }
    if (stopping_)
      return;
    if (items[1].revents & ZMQ_POLLIN)
      flush_replies();
    if (items[0].revents & ZMQ_POLLIN)
      read_requests();
  }
}

} // namespace troupe
