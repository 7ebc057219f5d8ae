#include "runtime/log_files.hpp"

#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace troupe {
namespace {

constexpr size_t block_size = 64 * 1024;

// Closes the fd when leaving scope.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

bool read_at(int fd, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, &(*out)[done], n - done,
                        static_cast<off_t>(offset + done));
    if (r <= 0)
      break;
    done += static_cast<size_t>(r);
  }
  out->resize(done);
  return done == n;
}

void split_lines(const std::string& text, std::vector<std::string>* lines) {
  size_t start = 0;
  for (;;) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos)
      return;
    lines->push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
}

// Where the complete lines to show start: `size` bytes read backwards in
// blocks until `tail` + 1 newlines are seen (0 = from the beginning).
uint64_t tail_start(int fd, uint64_t size, uint32_t tail) {
  if (tail == 0)
    return 0;
  std::string chunk;
  uint64_t pos = size;
  uint32_t newlines = 0;
  bool skipped_last = false; // the newline ending the last line
  while (pos > 0) {
    auto n = static_cast<size_t>(std::min<uint64_t>(block_size, pos));
    pos -= n;
    if (!read_at(fd, pos, n, &chunk))
      return 0;
    for (size_t i = chunk.size(); i-- > 0;) {
      if (chunk[i] != '\n')
        continue;
      if (!skipped_last) {
        skipped_last = true;
        continue;
      }
      if (++newlines == tail)
        return pos + i + 1;
    }
  }
  return 0;
}

} // namespace

log_read read_log_tail(const std::string& path, uint32_t tail) {
  log_read out;
  fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0)
    return out;
  // Only complete lines count: a partial last line is left for later reads.
  uint64_t size = static_cast<uint64_t>(st.st_size);
  std::string data;
  uint64_t end = size;
  for (uint64_t pos = size; pos > 0;) { // find the end of the last full line
    auto n = static_cast<size_t>(std::min<uint64_t>(block_size, pos));
    pos -= n;
    if (!read_at(f.fd, pos, n, &data))
      return out;
    auto nl = data.rfind('\n');
    if (nl != std::string::npos) {
      end = pos + nl + 1;
      break;
    }
    if (pos == 0)
      return out;
  }
  if (size == 0)
    return out;
  uint64_t begin = tail_start(f.fd, end, tail);
  read_at(f.fd, begin, static_cast<size_t>(end - begin), &data);
  split_lines(data, &out.lines);
  out.next_offset = end;
  return out;
}

log_read read_log_since(const std::string& path, uint64_t offset) {
  log_read out;
  out.next_offset = offset;
  fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0)
    return out;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < offset) // truncated: start over
    offset = 0;
  std::string data;
  read_at(f.fd, offset, static_cast<size_t>(size - offset), &data);
  auto last_nl = data.rfind('\n');
  if (last_nl == std::string::npos) {
    out.next_offset = offset;
    return out;
  }
  data.resize(last_nl + 1);
  split_lines(data, &out.lines);
  out.next_offset = offset + last_nl + 1;
  return out;
}

} // namespace troupe
