#include "runtime/open_file_limit.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/resource.h>

namespace troupe {

namespace {

constexpr uint64_t most_wanted = 1048576;

/// fs.nr_open: the most any process may have open (the kernel's ceiling for
/// a hard limit); 0 when it cannot be read.
uint64_t kernel_ceiling() {
  std::ifstream in("/proc/sys/fs/nr_open");
  uint64_t n = 0;
  in >> n;
  return in ? n : 0;
}

} // namespace

open_file_limit raise_open_file_limit() {
  open_file_limit r;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    r.error = std::strerror(errno);
    return r;
  }
  r.before_soft = lim.rlim_cur;
  r.before_hard = lim.rlim_max;
  r.now = lim.rlim_cur;
  uint64_t ceiling = kernel_ceiling();
  r.wanted = std::min<uint64_t>(most_wanted, ceiling != 0 ? ceiling : most_wanted);
  r.wanted = std::max<uint64_t>(r.wanted, lim.rlim_cur);  // never lower
  if (lim.rlim_max < r.wanted) {
    rlimit higher{r.wanted, r.wanted};
    if (::setrlimit(RLIMIT_NOFILE, &higher) == 0) {
      r.now = r.wanted;
      return r;
    }
    r.error = std::strerror(errno);  // EPERM without CAP_SYS_RESOURCE
  }
  uint64_t soft_target = std::min<uint64_t>(lim.rlim_max, r.wanted);
  if (lim.rlim_cur < soft_target) {
    rlimit soft{soft_target, lim.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &soft) == 0)
      r.now = soft_target;
    else
      r.error = std::strerror(errno);
  }
  if (r.now >= r.wanted)
    r.error.clear();
  return r;
}

} // namespace troupe
