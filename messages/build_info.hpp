// What this build is: its version (CMake's project version), the git commit
// it was configured from, its build type, and the client API level it
// speaks. The values are written by CMake's configure_file
// (messages/build_info.cpp.in), so only one file rebuilds when they change.
#pragma once

#include <cstdint>

namespace troupe {

/// The client API level: raised when a request or response changes meaning
/// or a client relies on a request an older node does not know.
/// 1 = before `troupe version` (nodes answer "names no known operation");
/// 2 = version, inspect_stack, node_ps, deploy_check (issue 12);
/// 3 = disk (`system df`, `system prune`);
/// 4 = exec (`troupe exec`).
constexpr uint32_t api_level = 4;

const char* build_version();     // "0.1.0"
const char* build_commit();      // "45079c9" or "unknown"
const char* build_type();        // "RelWithDebInfo"

} // namespace troupe
