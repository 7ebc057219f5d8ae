// The API's ZeroMQ ROUTER socket and the thread that owns it. The thread
// blocks in zmq_poll on the socket and on a wake pipe (no timeout, no busy
// loop): requests it reads are queued and `on_request` is called when the
// queue was empty; replies given to send() are queued and the pipe wakes the
// thread to write them. So the API actor never polls, and an idle node's API
// costs nothing. A frame above the maximum message size (ZMQ_MAXMSGSIZE) makes
// libzmq drop that client's connection before the frame is read into memory.
// No CAF: the actor hands in a callback.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "config/limits.hpp"

namespace troupe {

struct api_request {
  std::vector<std::string> envelope; // routing frames (identity, delimiter)
  std::string payload;               // the serialized pb::Request
};

class api_socket {
public:
  api_socket();
  ~api_socket();
  api_socket(const api_socket&) = delete;
  api_socket& operator=(const api_socket&) = delete;

  /// Sets the largest frame accepted (before bind). limits.max_request_bytes.
  void set_limits(const input_limits& limits);
  const input_limits& limits() const { return limits_; }

  /// Binds "tcp://HOST:PORT" or "ipc://PATH" (before start); throws
  /// zmq::error_t when the address is taken or invalid.
  void bind(const std::string& endpoint);

  /// Starts the I/O thread; `on_request` is called from it whenever requests
  /// arrive on an empty queue (take() them all then).
  void start(std::function<void()> on_request);
  /// Stops and joins the I/O thread (also done by the destructor).
  void stop();

  /// Every request read so far, oldest first.
  std::vector<api_request> take();
  /// Queues one reply (envelope, then payload) for the I/O thread to send.
  void send(std::vector<std::string> envelope, std::string payload);

private:
  void run();
  void wake();
  void flush_replies();
  void read_requests();

  zmq::context_t context_;
  zmq::socket_t socket_{context_, zmq::socket_type::router};
  input_limits limits_;
  int pipe_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::function<void()> on_request_;
  std::mutex mutex_;
  std::vector<api_request> inbox_;
  std::deque<api_request> outbox_;
};

} // namespace troupe
