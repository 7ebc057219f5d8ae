// troupe's own Prometheus metrics (the families of docs/observability.md),
// registered once in metrics_registry() on first use. Each function is cheap
// and thread-safe; call it where the thing happens.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace troupe::observe {

/// Manager: number of tasks per state (all states set; absent = 0).
void set_tasks_by_state(const std::map<std::string, double>& counts);
/// Manager: a task's container was restarted in place (restarts grew by n).
void count_task_restarts(const std::string& service, uint64_t n);
/// Manager: a task went from created to assigned in `ms` (entry clocks).
void observe_scheduling_delay_ms(int64_t ms);
/// Manager: raft term, commit and applied index, whether this one leads,
/// and whether any leader is known.
void set_raft(uint64_t term, uint64_t commit, uint64_t applied, bool leading,
              bool leader_known);
/// Manager (leader): a local proposal was applied `ms` after it was proposed.
void observe_commit_latency_ms(int64_t ms);
/// Dispatcher: a heartbeat arrived from a worker.
void count_heartbeat_received(const std::string& node);
/// Agent: a heartbeat was sent.
void count_heartbeat_sent();
/// Events published by this process.
void count_event(const std::string& type);

} // namespace troupe::observe
