// The DNS responder of one node: answers A and SRV queries for the services'
// VIPs (core/dns_answer.hpp) on a UDP socket (NodeConfig.dns_address,
// default 127.0.0.1:5380). The mesh hands the actor each new route table
// (atom::route); the socket belongs to a thread of its own that blocks in
// poll() on it and on a wake pipe (no timeout, no ticks: an idle responder
// costs nothing) and answers each query at once from the latest names,
// swapped in whole under a lock. Malformed packets get FORMERR or nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/observe/probe.hpp"
#include "actors/network/core/dns_answer.hpp"

namespace troupe {

/// The socket's thread. No CAF.
class dns_server {
public:
  /// Serves `fd` (a bound UDP socket, owned from now on) once started.
  explicit dns_server(int fd);
  ~dns_server();  // stops and joins the thread, closes the socket
  dns_server(const dns_server&) = delete;
  dns_server& operator=(const dns_server&) = delete;

  void start();
  void set_names(network::dns_names names);
  uint64_t answered() const { return answered_; }
  uint64_t ignored() const { return ignored_; }

private:
  void run();
  void answer_queued();

  int fd_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::mutex mtx_;
  std::shared_ptr<const network::dns_names> names_;
  std::atomic<uint64_t> answered_{0};
  std::atomic<uint64_t> ignored_{0};
};

struct dns_state {
  static inline const char* name = "dns";
  std::unique_ptr<dns_server> server;
};

using dns_pointer = caf::stateful_actor<dns_state, observe::probed<caf::event_based_actor>>*;

/// Serves `fd` (a bound UDP socket, owned from now on).
caf::behavior dns_responder(dns_pointer self, int fd);

} // namespace troupe
