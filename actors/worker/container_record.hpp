// The worker's local record of its running containers: one small text file
// per task, TASKS_DIR/TASK_ID/container.record, naming the driver, the
// container id, the host pid and the task id (plus the pid's start time, so a
// pid the kernel reused later is never taken for the container). The task
// actor writes it right after a container starts and removes it after the
// container's cleanup; an agent that starts finds the records its
// predecessor left and re-attaches to those containers (their shims), or
// stops those whose tasks are no longer assigned here. Plain file I/O, no CAF.
// Errors are values: writes return false with a sentence in *error; a record
// that cannot be read or parsed is simply absent from read/list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe {

struct container_record {
  std::string driver;        // "process" or "oci"
  std::string container_id;
  std::string task_id;
  int pid = 0;               // host pid of the container's main process (oci: runc)
  uint64_t start_ticks = 0;  // its start time in /proc/PID/stat (0 = unknown)
  int64_t started_ms = 0;    // unix ms it started (0 = unknown; older records)
};

/// TASKS_DIR/TASK_ID/container.record.
std::string container_record_path(const std::string& tasks_dir,
                                  const std::string& task_id);

/// Writes the record into its task's folder (created if missing), atomically
/// (a temp file renamed over the old record).
bool write_container_record(const std::string& tasks_dir,
                            const container_record& record, std::string* error);

/// The record of one task, if there is a readable, well-formed one.
std::optional<container_record>
read_container_record(const std::string& tasks_dir, const std::string& task_id);

/// Removes the record of a task; no error when there is none.
void remove_container_record(const std::string& tasks_dir,
                             const std::string& task_id);

/// Every well-formed record under tasks_dir, sorted by task id. Garbage
/// record files are skipped (not removed).
std::vector<container_record> list_container_records(const std::string& tasks_dir);

/// The start time (clock ticks since boot) of a live process, from
/// /proc/PID/stat; nullopt when there is no such process.
std::optional<uint64_t> process_start_ticks(int pid);

/// The process group id of a live process, from /proc/PID/stat.
std::optional<int> process_group_of(int pid);

/// Text form of a record, and back (nullopt on anything malformed).
std::string format_container_record(const container_record& record);
std::optional<container_record> parse_container_record(const std::string& text);

} // namespace troupe
