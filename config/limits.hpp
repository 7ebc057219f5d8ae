// The limits every input is checked against, on the server (the API's
// queries) and in `stack validate` alike. max_replicas, max_tasks and
// max_request_bytes come from the cluster config's [limits] table; the others
// are fixed. docs/config.md lists them all.
#pragma once

#include <cstddef>
#include <cstdint>

namespace troupe {

struct input_limits {
  uint32_t max_replicas = 10000;       // per service ([limits] max_replicas)
  uint32_t max_tasks = 100000;         // desired replicas of every service together
  uint64_t max_request_bytes = 16ull << 20; // one API request frame ([limits] max_request_size)
  uint32_t max_services = 1000;        // services of one stack
  uint32_t max_command_args = 1024;    // command (and health cmd) arguments
  uint64_t max_command_bytes = 128 << 10; // all arguments of a command together
  uint32_t max_env = 1024;             // env variables of a service
  uint64_t max_env_bytes = 1 << 20;    // names and values together
  uint32_t max_ports = 100;            // ports of a service
  uint32_t max_labels = 256;           // labels of a service (or of a node update)
  uint64_t max_label_bytes = 4096;     // one label's name and value together
  uint32_t max_constraints = 64;       // placement constraints of a service
  uint64_t max_string_bytes = 4096;    // image, rootfs, working_dir, http path...
};

/// Hard bounds of the configurable limits ([limits] in a cluster config).
constexpr uint32_t max_replicas_ceiling = 1000000;
constexpr uint32_t max_tasks_ceiling = 10000000;
constexpr uint64_t max_request_bytes_ceiling = 1ull << 30;

/// Ranges of durations and amounts (docs/config.md lists them).
struct ms_range {
  int64_t lo, hi;
};
constexpr int64_t second_ms = 1000, minute_ms = 60 * second_ms, hour_ms = 60 * minute_ms;
constexpr ms_range stop_grace_range{0, hour_ms};
constexpr ms_range health_interval_range{100, hour_ms};
constexpr ms_range health_timeout_range{10, hour_ms};
constexpr ms_range health_start_period_range{0, hour_ms};
constexpr ms_range restart_delay_range{0, hour_ms};
constexpr ms_range restart_window_range{0, 24 * hour_ms};
constexpr ms_range update_delay_range{0, hour_ms};
constexpr ms_range update_monitor_range{0, hour_ms};
constexpr ms_range raft_heartbeat_range{10, 10 * second_ms};
constexpr ms_range election_timeout_range{20, 5 * minute_ms};
constexpr ms_range node_heartbeat_range{100, minute_ms};
constexpr ms_range request_timeout_range{100, hour_ms};
constexpr uint32_t max_node_down_after = 100;
constexpr uint32_t max_health_retries = 100;
constexpr double max_cpus = 1024;                  // a service's reservation or a node's offer
constexpr int64_t min_memory_bytes = 4ll << 20;    // 4MiB: less cannot run a process
constexpr int64_t max_memory_bytes = 16ll << 40;   // 16TiB

/// A stack file larger than this is refused before it is parsed.
constexpr uint32_t max_bind_prefixes = 64;          // a node's bind_prefixes
constexpr uint64_t max_stack_file_bytes = 4ull << 20;

} // namespace troupe
