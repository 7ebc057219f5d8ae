#include "actors/worker/disk_job.hpp"

#include <chrono>
#include <filesystem>
#include <vector>

#include "actors/worker/core/task_folders.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace fs = std::filesystem;

namespace {

int64_t unix_ms(fs::file_time_type t) {
  // file_time_type's clock is the system clock's in libstdc++ (C++17: no
  // clock_cast yet), shifted by the difference of the two clocks' now.
  using namespace std::chrono;
  auto sys = system_clock::now() + (t - fs::file_time_type::clock::now());
  return duration_cast<milliseconds>(sys.time_since_epoch()).count();
}

/// Bytes of the regular files under `dir` (links not followed).
uint64_t bytes_under(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec) && !it->is_symlink(fec))
      total += it->file_size(fec);
  }
  return total;
}

task_folder measure_folder(const fs::path& dir) {
  task_folder f;
  f.name = dir.filename().string();
  std::error_code ec;
  f.modified_ms = unix_ms(fs::last_write_time(dir, ec));
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::error_code fec;
    auto name = e.path().filename().string();
    f.modified_ms = std::max(f.modified_ms, unix_ms(e.last_write_time(fec)));
    if (name == "container.record")
      f.has_container = true;
    if (e.is_directory(fec) && !e.is_symlink(fec)) {
      f.bytes += bytes_under(e.path());
    } else if (e.is_regular_file(fec)) {
      auto size = e.file_size(fec);
      f.bytes += size;
      if (name == "stdout.log" || name == "stderr.log")
        f.log_bytes += size;
    }
  }
  return f;
}

} // namespace

pb::DiskReport measure_disk(const disk_job_input& in, const pb::DiskRequest& req,
                            std::string* error) {
  pb::DiskReport r;
  r.set_node(in.node);
  if (!req.remove_volume().empty()) {
    auto dir = fs::path(in.volumes_dir) / req.remove_volume();
    std::error_code rec;
    if (fs::is_directory(dir, rec)) {
      auto bytes = bytes_under(dir);
      fs::remove_all(dir, rec);
      if (!rec)
        r.set_freed_bytes(bytes);
      else if (error)
        *error = "cannot remove volume " + req.remove_volume() + "'s folder " + dir.string()
                 + " on node " + in.node + ": " + rec.message();
    }
    return r;
  }
  std::error_code vec;
  for (const auto& e : fs::directory_iterator(in.volumes_dir, vec)) {
    std::error_code dec;
    if (e.is_directory(dec) && !e.is_symlink(dec)) {
      r.set_volumes(r.volumes() + 1);
      r.set_volume_bytes(r.volume_bytes() + bytes_under(e.path()));
    }
  }
  std::vector<task_folder> folders;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(in.tasks_dir, ec)) {
    std::error_code dec;
    if (e.is_directory(dec) && !e.is_symlink(dec))
      folders.push_back(measure_folder(e.path()));
  }
  auto live = [&](const std::string& name) { return in.live.count(name) > 0; };
  int64_t until = req.until_ms() > 0 ? std::min(req.until_ms(), in.started_ms)
                                     : in.started_ms;
  for (const auto& f : folders) {
    r.set_task_folders(r.task_folders() + 1);
    r.set_task_bytes(r.task_bytes() + f.bytes);
    r.set_log_bytes(r.log_bytes() + f.log_bytes);
    if (live(f.name) || f.has_container)
      r.set_live_folders(r.live_folders() + 1);
  }
  for (const auto* f : prunable_folders(folders, live, until)) {
    r.set_prunable_folders(r.prunable_folders() + 1);
    r.set_prunable_bytes(r.prunable_bytes() + f->bytes);
    if (!req.prune())
      continue;
    std::error_code rec;
    fs::remove_all(fs::path(in.tasks_dir) / f->name, rec);
    if (!rec) {
      r.set_removed_folders(r.removed_folders() + 1);
      r.set_freed_bytes(r.freed_bytes() + f->bytes);
    }
  }
  if (!in.images_dir.empty())
    r.set_image_bytes(bytes_under(in.images_dir));
  return r;
}

disk_job_actor::behavior_type
disk_job(probed_pointer<disk_job_actor, disk_job_state> self, disk_job_input in) {
  observe::describe(self, observe::actor_kind::other, "disk/" + in.node);
  return {
    [=](atom::read, const pb::DiskRequest& req) -> caf::result<pb::DiskReport> {
      std::string error;
      auto report = measure_disk(in, req, &error);
      self->quit();
      if (!error.empty())
        return caf::make_error(error_code::io_error, error);
      return report;
    },
  };
}

} // namespace troupe
