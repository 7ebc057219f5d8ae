// Task folders on a node (tasks_dir/<task id>/: logs, exit status, shim
// socket, oci bundle and root filesystem) and the two rules that remove
// them, in one place:
// - history: the node keeps the folders of at most `limit` ended tasks per
//   slot (the id without its last ".suffix": "web.3" of "web.3.k2x", or
//   "agent.node-1" for a global service), the limit the managers keep in the
//   store (reconciler.hpp); the oldest goes when a newer task of its slot
//   ends. A task that runs again leaves the history.
// - prune (`troupe system prune [--until D]`): every folder whose task is
//   not live here and that nothing wrote to since the cut-off.
// Pure: no CAF, no I/O (the supervisor walks and removes).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace troupe {

/// Ended tasks kept per slot, in the store and in the nodes' task folders.
constexpr uint32_t task_history_limit = 5;

/// The slot a task id belongs to: the id without its last ".suffix".
std::string slot_of(const std::string& task_id);

class task_folder_history {
public:
  explicit task_folder_history(size_t limit) : limit_(limit < 1 ? 1 : limit) {}

  /// Task `id` ended here (or its folder was found at start, oldest first):
  /// the folders its slot no longer keeps, oldest first.
  std::vector<std::string> ended(const std::string& id);
  /// Task `id` runs again here: its folder is no longer history.
  void running(const std::string& id);
  /// Ended folders remembered (every slot).
  size_t size() const { return size_; }

private:
  size_t limit_;
  size_t size_ = 0;
  std::map<std::string, std::deque<std::string>> by_slot_;  // oldest first
};

/// One folder under tasks_dir, as a walk found it.
struct task_folder {
  std::string name;          // the folder's name (the task id, sanitized)
  int64_t modified_ms = 0;   // the newest mtime of the folder and its files
  uint64_t bytes = 0;        // every file in it
  uint64_t log_bytes = 0;    // its stdout.log and stderr.log
  bool has_container = false;  // holds a container record: a container may run
};

/// What `system prune` removes: the folders that are not `live`, hold no
/// container record, and were last written before `until_ms`.
std::vector<const task_folder*>
prunable_folders(const std::vector<task_folder>& folders,
                 const std::function<bool(const std::string&)>& live,
                 int64_t until_ms);

} // namespace troupe
