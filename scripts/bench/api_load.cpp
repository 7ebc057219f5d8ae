// api_load: a small load and probe client for troupe's ZeroMQ API, used by
// the scripts in scripts/bench/ and scripts/chaos.sh. It is built by those
// scripts with g++ (not part of the CMake build):
//   g++ -O2 -std=c++17 api_load.cpp -I BUILD -I SRC BUILD/messages/troupe.pb.cc
//       -lprotobuf -lzmq -lpthread
//
// Every write is a `Request.scale` of one service (as `troupe service scale
// S=N -d`), acknowledged once the Response comes back without an error.
//
//   api_load load  HOSTS CLIENTS WRITES PREFIX
//     CLIENTS threads, client i writes PREFIX<i>=0 WRITES times in a row to
//     HOSTS[i % n] over one kept connection; prints "writes N failed F secs S
//     wps W p50_ms A p99_ms B max_ms C client_cpu_pct P" (P: this client's
//     own CPU time over the run, in % of one core: a client near 100% per
//     core it can use limits the figure, not the server).
//   api_load etcd  HOSTS CLIENTS WRITES PREFIX
//     the same load against etcd's v3 HTTP/JSON gateway: client i puts key
//     PREFIX<i> WRITES times (POST /v3/kv/put, one keep-alive HTTP/1.1
//     connection per client); prints the same line.
//   api_load probe HOSTS SERVICE KILL_PID MAX_MS
//     kill -9 KILL_PID (if > 0), then every 20ms sends a new write (round
//     robin over HOSTS, each on its own socket, up to 3s each) until one is
//     acknowledged; prints the ms from the kill to that ack, exit 1 on MAX_MS.
//   api_load chaos HOSTS SERVICE MAX_VALUE STOP_FILE MAX_SECS
//     writes SERVICE=1,2,..,MAX_VALUE,1,2.. one at a time; a write that is not
//     acknowledged is retried (same value) on the next host until it is. Logs
//     "try V" before and "ack V INDEX" after each write on stdout. Stops when
//     STOP_FILE exists and no write is waiting for its ack (exit 0), or after
//     MAX_SECS (exit 1).
//   api_load time HOST KIND ARG N
//     N requests in a row over one kept connection, each waiting for its
//     answer: KIND ls (`service ls`; ARG ignored), ps (`service ps ARG`) or
//     scale (ARG = SERVICE=REPLICAS, as `service scale ARG -d`); prints
//     "n N p50_ms A p99_ms B max_ms C bytes D" (D: size of the last
//     answer). Exit 1 if one failed.
// HOSTS is a comma-separated list of HOST:PORT.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "messages/troupe.pb.h"

namespace {

using clock_type = std::chrono::steady_clock;
namespace pb = troupe::pb;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

std::vector<std::string> split_hosts(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      out.push_back("tcp://" + item);
  return out;
}

std::string scale_payload(const std::string& service, uint32_t replicas) {
  pb::Request req;
  auto* s = req.mutable_scale()->add_services();
  s->set_service(service);
  s->set_replicas(replicas);
  std::string out;
  req.SerializeToString(&out);
  return out;
}

std::unique_ptr<zmq::socket_t> open_req(zmq::context_t& ctx, const std::string& host) {
  auto s = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::req);
  s->set(zmq::sockopt::linger, 0);
  s->connect(host);
  return s;
}

// One write on a REQ socket; true when acknowledged within timeout_ms.
bool write_on(zmq::socket_t& s, const std::string& payload, int timeout_ms,
              std::string* error, uint64_t* index = nullptr) {
  s.send(zmq::buffer(payload), zmq::send_flags::none);
  zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms));
  if ((items[0].revents & ZMQ_POLLIN) == 0) {
    *error = "timeout";
    return false;
  }
  zmq::message_t reply;
  pb::Response resp;
  if (!s.recv(reply, zmq::recv_flags::none)
      || !resp.ParseFromArray(reply.data(), static_cast<int>(reply.size()))) {
    *error = "bad reply";
    return false;
  }
  if (!resp.error().empty()) {
    *error = resp.error();
    return false;
  }
  if (index != nullptr)
    *index = resp.index();
  return true;
}

// One write on a fresh socket.
bool write_once(zmq::context_t& ctx, const std::string& host, const std::string& payload,
                int timeout_ms, uint64_t* index, std::string* error) {
  auto s = open_req(ctx, host);
  return write_on(*s, payload, timeout_ms, error, index);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Runs `clients` threads of one_write(client, i) x writes; prints the line.
template <class Client>
int run_clients(int clients, int writes, Client make_client) {
  std::mutex mu;
  std::vector<double> lat;
  int failed = 0;
  double cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      auto write = make_client(c); // bool(std::string* err)
      std::vector<double> mine;
      int bad = 0;
      for (int i = 0; i < writes; ++i) {
        auto t = clock_type::now();
        std::string err;
        if (write(&err)) {
          mine.push_back(ms_since(t));
          continue;
        }
        if (++bad <= 3)
          std::cerr << "api_load: write failed: " << err << "\n";
      }
      std::lock_guard<std::mutex> lock(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
      failed += bad;
    });
  for (auto& t : threads)
    t.join();
  double secs = ms_since(t0) / 1000.0;
  double cpu = cpu_seconds() - cpu0;
  std::printf("writes %zu failed %d secs %.2f wps %.0f p50_ms %.2f p99_ms %.2f max_ms %.2f "
              "client_cpu_pct %.0f\n",
              lat.size(), failed, secs, static_cast<double>(lat.size()) / secs,
              percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1.0),
              100.0 * cpu / secs);
  return failed == 0 ? 0 : 1;
}

int run_load(const std::vector<std::string>& hosts, int clients, int writes,
             const std::string& prefix) {
  zmq::context_t ctx{2};
  return run_clients(clients, writes, [&](int c) {
    auto payload = scale_payload(prefix + std::to_string(c), 0);
    const auto& host = hosts[static_cast<size_t>(c) % hosts.size()];
    // One connection per client, kept (shared_ptr: the lambda is copied).
    auto sock = std::shared_ptr<zmq::socket_t>(open_req(ctx, host));
    return [&ctx, payload, host, sock](std::string* err) mutable {
      if (write_on(*sock, payload, 10000, err))
        return true;
      if (*err == "timeout") // a REQ socket without its reply is stuck
        sock = std::shared_ptr<zmq::socket_t>(open_req(ctx, host));
      return false;
    };
  });
}

std::string base64(const std::string& in) {
  static const char* abc =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6)
      out += abc[(v >> k) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += abc[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// One keep-alive HTTP/1.1 connection to an etcd member.
class http_conn {
public:
  explicit http_conn(std::string host) : host_(std::move(host)) {}
  ~http_conn() { close_fd(); }
  bool post(const std::string& path, const std::string& body, std::string* err) {
    for (int attempt = 0; attempt < 2; ++attempt) { // reconnect once
      if (fd_ < 0 && !connect_fd(err))
        return false;
      std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host_
                        + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + std::to_string(body.size()) + "\r\n\r\n" + body;
      if (send_all(req) && read_reply(err))
        return true;
      close_fd();
      if (err->empty())
        *err = "connection lost";
    }
    return false;
  }

private:
  bool connect_fd(std::string* err) {
    auto colon = host_.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(host_.substr(colon + 1))));
    ::inet_pton(AF_INET, host_.substr(0, colon).c_str(), &a.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      *err = "cannot connect to " + host_;
      close_fd();
      return false;
    }
    buf_.clear();
    return true;
  }
  void close_fd() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  bool send_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      auto n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[4096];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0)
      return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  // Status 200 with a body holding "header" (etcd's answer to a put).
  bool read_reply(std::string* err) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill())
        return false;
    std::string head = buf_.substr(0, end);
    auto cl = head.find("Content-Length: ");
    if (cl == std::string::npos) {
      *err = "etcd reply without Content-Length";
      return false;
    }
    size_t len = std::stoul(head.substr(cl + 16));
    while (buf_.size() < end + 4 + len)
      if (!fill())
        return false;
    std::string body = buf_.substr(end + 4, len);
    buf_.erase(0, end + 4 + len);
    if (head.compare(0, 12, "HTTP/1.1 200") != 0 || body.find("header") == std::string::npos) {
      *err = "etcd answered: " + head.substr(0, head.find("\r\n")) + " " + body;
      return false;
    }
    return true;
  }
  std::string host_, buf_;
  int fd_ = -1;
};

int run_etcd(const std::vector<std::string>& hosts, int clients, int writes,
             const std::string& prefix) {
  return run_clients(clients, writes, [&](int c) {
    auto host = hosts[static_cast<size_t>(c) % hosts.size()].substr(6); // tcp://
    auto conn = std::make_shared<http_conn>(host);
    auto key = base64(prefix + std::to_string(c));
    auto i = std::make_shared<int>(0);
    return [conn, key, i](std::string* err) {
      std::string body = "{\"key\":\"" + key + "\",\"value\":\""
                         + base64(std::to_string((*i)++)) + "\"}";
      return conn->post("/v3/kv/put", body, err);
    };
  });
}

int run_probe(const std::vector<std::string>& hosts, const std::string& service,
              long kill_pid, int max_ms) {
  zmq::context_t ctx{1};
  struct attempt {
    std::unique_ptr<zmq::socket_t> sock;
    clock_type::time_point sent;
  };
  std::vector<attempt> open;
  auto t0 = clock_type::now();
  if (kill_pid > 0)
    ::kill(static_cast<pid_t>(kill_pid), SIGKILL);
  uint32_t n = 0;
  while (ms_since(t0) < max_ms) {
    auto host = hosts[n % hosts.size()];
    auto s = open_req(ctx, host);
    s->send(zmq::buffer(scale_payload(service, 1 + n % 2)), zmq::send_flags::none);
    open.push_back({std::move(s), clock_type::now()});
    ++n;
    std::vector<zmq::pollitem_t> items;
    for (auto& a : open)
      items.push_back({a.sock->handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(20));
    for (size_t i = 0; i < items.size(); ++i) {
      if ((items[i].revents & ZMQ_POLLIN) == 0)
        continue;
      zmq::message_t reply;
      pb::Response resp;
      if (open[i].sock->recv(reply, zmq::recv_flags::none)
          && resp.ParseFromArray(reply.data(), static_cast<int>(reply.size()))
          && resp.error().empty()) {
        std::printf("%.0f\n", ms_since(t0));
        return 0;
      }
      open[i].sock.reset(); // answered with an error: drop it
    }
    open.erase(std::remove_if(open.begin(), open.end(),
                              [](const attempt& a) {
                                return !a.sock
                                       || ms_since(a.sent) > 3000;
                              }),
               open.end());
  }
  std::fprintf(stderr, "api_load: no write acknowledged within %dms\n", max_ms);
  return 1;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int run_chaos(const std::vector<std::string>& hosts, const std::string& service,
              uint32_t max_value, const std::string& stop_file, int max_secs) {
  zmq::context_t ctx{1};
  auto t0 = clock_type::now();
  uint32_t value = 1;
  size_t host = 0;
  bool pending = false; // `value` was tried and is not acknowledged yet
  while (ms_since(t0) < max_secs * 1000.0) {
    bool stopping = file_exists(stop_file);
    if (stopping && !pending)
      return 0;
    std::printf("try %u\n", value);
    std::fflush(stdout);
    uint64_t index = 0;
    std::string err;
    if (write_once(ctx, hosts[host % hosts.size()], scale_payload(service, value), 3000,
                   &index, &err)) {
      std::printf("ack %u %llu\n", value, static_cast<unsigned long long>(index));
      std::fflush(stdout);
      pending = false;
      value = value % max_value + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    pending = true;
    ++host; // not acknowledged: same value again, through the next manager
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 1;
}

} // namespace

// One request of KIND (see the top) as its payload.
std::string timed_payload(const std::string& kind, const std::string& arg) {
  if (kind == "scale") {
    auto eq = arg.rfind('=');
    return scale_payload(arg.substr(0, eq),
                         static_cast<uint32_t>(std::atoi(arg.c_str() + eq + 1)));
  }
  pb::Request req;
  if (kind == "ps")
    req.set_service_ps(arg);
  else
    req.mutable_list_services();
  std::string out;
  req.SerializeToString(&out);
  return out;
}

int run_time(const std::string& host, const std::string& kind,
             const std::string& arg, int n) {
  zmq::context_t ctx{1};
  auto sock = open_req(ctx, host);
  auto payload = timed_payload(kind, arg);
  std::vector<double> lat;
  size_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    auto t = clock_type::now();
    sock->send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::pollitem_t items[] = {{sock->handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(30000));
    zmq::message_t reply;
    pb::Response resp;
    if ((items[0].revents & ZMQ_POLLIN) == 0
        || !sock->recv(reply, zmq::recv_flags::none)
        || !resp.ParseFromArray(reply.data(), static_cast<int>(reply.size()))
        || !resp.error().empty()) {
      std::cerr << "api_load: " << kind << " failed: " << resp.error() << "\n";
      return 1;
    }
    lat.push_back(ms_since(t));
    bytes = reply.size();
  }
  std::printf("n %zu p50_ms %.1f p99_ms %.1f max_ms %.1f bytes %zu\n", lat.size(),
              percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1.0),
              bytes);
  return 0;
}

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "load" && argc == 6)
    return run_load(split_hosts(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), argv[5]);
  if (mode == "etcd" && argc == 6)
    return run_etcd(split_hosts(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), argv[5]);
  if (mode == "probe" && argc == 6)
    return run_probe(split_hosts(argv[2]), argv[3], std::atol(argv[4]), std::atoi(argv[5]));
  if (mode == "time" && argc == 6)
    return run_time("tcp://" + std::string(argv[2]), argv[3], argv[4],
                    std::atoi(argv[5]));
  if (mode == "chaos" && argc == 7)
    return run_chaos(split_hosts(argv[2]), argv[3],
                     static_cast<uint32_t>(std::atoi(argv[4])), argv[5], std::atoi(argv[6]));
  std::cerr << "usage: see the comment at the top of scripts/bench/api_load.cpp\n";
  return 2;
}
