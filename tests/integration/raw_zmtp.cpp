#include "tests/integration/raw_zmtp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>

namespace troupe::itest {

namespace {

constexpr uint8_t flag_more = 0x01;
constexpr uint8_t flag_long = 0x02;
constexpr uint8_t flag_command = 0x04;

// Closes the socket when the request is over.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      close(fd);
  }
};

bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool recv_all(int fd, size_t size, std::string* out) {
  out->assign(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = recv(fd, &(*out)[got], size - got, 0);
    if (n <= 0)
      return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

std::string frame(uint8_t flags, const std::string& body) {
  std::string out;
  if (body.size() > 255) {
    out += static_cast<char>(flags | flag_long);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((static_cast<uint64_t>(body.size()) >> shift) & 0xff);
  } else {
    out += static_cast<char>(flags);
    out += static_cast<char>(body.size());
  }
  return out + body;
}

// Reads one frame; *flags gets its flag byte.
bool read_frame(int fd, uint8_t* flags, std::string* body) {
  std::string head;
  if (!recv_all(fd, 1, &head))
    return false;
  *flags = static_cast<uint8_t>(head[0]);
  uint64_t size = 0;
  std::string len;
  if (!recv_all(fd, (*flags & flag_long) ? 8 : 1, &len))
    return false;
  for (char c : len)
    size = (size << 8) | static_cast<uint8_t>(c);
  return recv_all(fd, size, body);
}

std::string greeting() {
  std::string g(64, '\0');
  g[0] = static_cast<char>(0xff);
  g[9] = 0x7f;
  g[10] = 3; // version 3.0
  g.replace(12, 4, "NULL");
  return g; // as-server = 0 and the filler are zeros
}

std::string ready_command() {
  std::string body = "\x05READY";
  body += "\x0bSocket-Type";
  body += std::string("\0\0\0\x03", 4) + "REQ";
  return frame(flag_command, body);
}

} // namespace

bool zmtp_request(int port, const std::string& body, std::string* reply,
                  int timeout_ms, std::string* error) {
  fd_guard sock{socket(AF_INET, SOCK_STREAM, 0)};
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    *error = "cannot connect";
    return false;
  }
  std::string peer;
  if (!send_all(sock.fd, greeting()) || !recv_all(sock.fd, 64, &peer) ||
      static_cast<uint8_t>(peer[0]) != 0xff || peer[9] != 0x7f) {
    *error = "no ZMTP greeting from the node";
    return false;
  }
  // our READY, then the request: an empty delimiter frame and the body
  if (!send_all(sock.fd, ready_command() + frame(flag_more, "") + frame(0, body))) {
    *error = "cannot send the request";
    return false;
  }
  bool delimiter_seen = false;
  for (;;) {
    uint8_t flags = 0;
    std::string part;
    if (!read_frame(sock.fd, &flags, &part)) {
      *error = "no reply within the timeout";
      return false;
    }
    if (flags & flag_command)
      continue; // the node's READY (or a PING)
    if (!delimiter_seen && part.empty() && (flags & flag_more)) {
      delimiter_seen = true;
      continue;
    }
    *reply += part;
    if (!(flags & flag_more))
      return true;
  }
}

} // namespace troupe::itest
