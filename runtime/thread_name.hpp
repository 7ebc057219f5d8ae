// thread_name: names the calling thread, as `top -H`, `ps -L`, perf and gdb
// show it (a new thread otherwise inherits its creator's name, so every
// detached actor showed up as "caf.multiplexer" or "caf.actor").
// Contract: best effort; Linux keeps the first 15 characters.
#pragma once

#include <pthread.h>

namespace troupe {

inline void name_this_thread(const char* name) {
  ::pthread_setname_np(::pthread_self(), name);
}

} // namespace troupe
