// A steady, bounded HTTP client load for integration tests: `clients`
// threads each send GET requests (HTTP/1.0, a new connection each) one after
// another to the targets in turn, with `pause_ms` between requests, until
// stop(). Every response is checked: a request counts as failed unless it
// gets "200" and a body; bodies are tallied so a test can tell which version
// of a service answered. Timeouts are short and fixed, so a stuck request is
// a failure, never a hang.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace troupe::itest {

struct http_reply {
  bool ok = false;      // connected, sent, got a complete "200" response
  std::string body;     // the body, trailing whitespace trimmed
  std::string error;    // why it failed
  bool cut_off = false; // the server began a response, then the connection ended
};

/// One GET `path` to host:port (IPv4 literal), timeouts of timeout_ms.
http_reply http_get(const std::string& host, int port, const std::string& path = "/",
                    int timeout_ms = 3000);

/// A blocking TCP connection to host:port with 5s send/receive timeouts,
/// or -1.
int open_tcp(const std::string& host, int port);

class http_load {
public:
  struct target {
    std::string host;
    int port = 0;
  };

  http_load(std::vector<target> targets, int clients, int pause_ms);
  ~http_load();
  http_load(const http_load&) = delete;
  http_load& operator=(const http_load&) = delete;

  void start();
  /// Stops the clients and waits for their last requests.
  void stop();

  int64_t sent() const { return sent_.load(); }
  int64_t failed() const { return failed_.load(); }
  /// Failed requests whose response began and was cut off (a server
  /// killed mid-response: no proxy can finish those).
  int64_t cut_off() const { return cut_off_.load(); }
  /// Body → how many responses carried it.
  std::map<std::string, int64_t> bodies() const;
  /// The body of the latest successful response.
  std::string last_body() const;
  /// Up to 10 failures: "time target: error".
  std::vector<std::string> failures() const;
  /// Resets the body tally (e.g. after a phase of a test).
  void reset_bodies();

private:
  void run(int client);

  std::vector<target> targets_;
  int clients_;
  int pause_ms_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> sent_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> cut_off_{0};
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> bodies_;
  std::string last_body_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

} // namespace troupe::itest
