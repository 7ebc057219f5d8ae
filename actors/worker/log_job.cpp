#include "actors/worker/log_job.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "runtime/log_files.hpp"
#include "runtime/log_stamp.hpp"

namespace troupe {

pb::LogChunk read_task_logs(const std::string& tasks_dir,
                            const pb::LogRequest& req) {
  namespace fs = std::filesystem;
  pb::LogChunk chunk;
  std::error_code ec;
  std::vector<std::string> ids;
  for (const auto& dir : fs::directory_iterator(tasks_dir, ec)) {
    auto id = dir.path().filename().string();
    bool mine = req.task_id().empty() ? id.rfind(req.service() + ".", 0) == 0
                                      : id == req.task_id();
    if (mine)
      ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    for (const char* stream : {"stdout", "stderr"}) {
      auto key = id + "/" + stream;
      auto path = tasks_dir + "/" + id + "/" + stream + ".log";
      auto offset = req.offsets().find(key);
      auto got = offset != req.offsets().end()
                   ? read_log_since(path, offset->second)
                   : read_log_tail(path, req.tail());
      const int64_t since_ns = req.since_ms() * 1000000;
      for (const auto& text : got.lines) {
        auto stamped = split_log_line(text);
        if (since_ns > 0 && stamped.time_ns < since_ns)
          continue;  // older, or of unknown time
        auto line = chunk.add_lines();
        line->set_task_id(id);
        line->set_stream(stream);
        line->set_text(std::string(stamped.text));
        line->set_time_ns(stamped.time_ns);
      }
      (*chunk.mutable_offsets())[key] = got.next_offset;
    }
  }
  return chunk;
}

log_job_actor::behavior_type
log_job(probed_pointer<log_job_actor, log_job_state> self, std::string tasks_dir) {
  observe::describe(self, observe::actor_kind::other, "logs");
  return {
    [=](atom::logs, const pb::LogRequest& req) -> pb::LogChunk {
      auto chunk = read_task_logs(tasks_dir, req);
      self->quit();
      return chunk;
    },
  };
}

} // namespace troupe
