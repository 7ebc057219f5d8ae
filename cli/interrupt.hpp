// Ctrl-C for long-running client commands (log follow, convergence waits):
// once installed, SIGINT/SIGTERM only set a flag that the loops check, so
// they stop cleanly between two requests.
#pragma once

#include <cstdint>

namespace troupe::cli {

/// Installs the SIGINT/SIGTERM handler (idempotent).
void install_interrupt_handler();

/// True once SIGINT or SIGTERM arrived.
bool interrupted();

/// Sleeps up to `ms`, returning early (false) when interrupted.
bool sleep_unless_interrupted(int64_t ms);

} // namespace troupe::cli
