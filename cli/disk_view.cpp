#include "cli/disk_view.hpp"

#include "cli/output.hpp"
#include "config/units.hpp"

namespace troupe::cli {

namespace {

std::string size(uint64_t bytes) { return format_size_bytes(static_cast<int64_t>(bytes)); }

} // namespace

std::string disk_usage_text(const pb::DiskReport& r) {
  table_row headers{"TYPE", "TOTAL", "LIVE", "SIZE", "RECLAIMABLE"};
  std::vector<table_row> rows;
  rows.push_back({"task folders", std::to_string(r.task_folders()),
                  std::to_string(r.live_folders()), size(r.task_bytes()),
                  size(r.prunable_bytes()) + " (" + std::to_string(r.prunable_folders())
                    + " folders)"});
  rows.push_back({"  of which logs", "", "", size(r.log_bytes()), ""});
  rows.push_back({"images", "", "", size(r.image_bytes()), "0B"});
  rows.push_back({"volumes", std::to_string(r.volumes()), "", size(r.volume_bytes()), "0B"});
  return "Node " + r.node() + "\n" + render_table(headers, rows);
}

nlohmann::json disk_usage_json(const pb::DiskReport& r) {
  return {{"node", r.node()},
          {"task_folders", r.task_folders()},
          {"live_folders", r.live_folders()},
          {"task_bytes", r.task_bytes()},
          {"log_bytes", r.log_bytes()},
          {"prunable_folders", r.prunable_folders()},
          {"prunable_bytes", r.prunable_bytes()},
          {"image_bytes", r.image_bytes()},
          {"volumes", r.volumes()},
          {"volume_bytes", r.volume_bytes()},
          {"removed_folders", r.removed_folders()},
          {"freed_bytes", r.freed_bytes()}};
}

std::string prune_text(const pb::DiskReport& r) {
  auto n = r.removed_folders();
  std::string text = "removed " + std::to_string(n) + (n == 1 ? " task folder" : " task folders")
                     + " of node " + r.node() + ", " + size(r.freed_bytes()) + " freed";
  if (n < r.prunable_folders())
    text += "; " + std::to_string(r.prunable_folders() - n)
            + " could not be removed (see the node's permissions)";
  return text;
}

} // namespace troupe::cli
