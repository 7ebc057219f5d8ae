// thread_priority: a thread that must keep time runs before the rest. Raft's
// heartbeats and votes wait behind task starts, log copies and API reads on
// a loaded node; a follower that hears no heartbeat within the election
// timeout starts an election, so at 10,000 tasks (load 6-9 on 2 cores) the
// managers held elections all the time. Linux gives each thread its own nice
// value: the consensus threads (raft actor, log writer) take consensus_nice.
// Contract: best effort. Lowering a nice value needs CAP_SYS_NICE (root
// has it; a container may not): without it the thread keeps the process's
// priority and the call says why.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace troupe {

/// The nice value of the consensus threads: ahead of everything else the
/// agent runs (0), behind the kernel's own threads (-20).
constexpr int consensus_nice = -10;

/// Sets the calling thread's nice value; "" when done, else why not.
inline std::string prioritize_this_thread(int nice) {
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  if (::setpriority(PRIO_PROCESS, tid, nice) == 0)
    return "";
  return std::strerror(errno);
}

} // namespace troupe
