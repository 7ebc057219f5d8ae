#include "actors/worker/agent.hpp"

#include <chrono>
#include <filesystem>

#include "actors/worker/supervisor.hpp"
#include "messages/errors.hpp"
#include "runtime/log_files.hpp"

namespace troupe {

namespace {

using self_ptr = agent_actor::stateful_pointer<agent_state>;

constexpr auto join_timeout = std::chrono::seconds(10);
constexpr auto join_retry = std::chrono::seconds(1);

void join(self_ptr self) {
  self->request(self->state.dispatcher, join_timeout, atom::join_v,
                self->state.node, caf::actor_cast<agent_actor>(self))
    .then([=](bool) { self->state.joined = true; },
          [=](const caf::error& err) {
            caf::aout(self) << "agent: cannot join: " << error_message(err)
                            << "; retrying" << std::endl;
            self->delayed_send(self, join_retry, atom::join_v);
          });
}

} // namespace

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
      for (auto& text : got.lines) {
        auto line = chunk.add_lines();
        line->set_task_id(id);
        line->set_stream(stream);
        line->set_text(std::move(text));
      }
      (*chunk.mutable_offsets())[key] = got.next_offset;
    }
  }
  return chunk;
}

agent_actor::behavior_type
agent(agent_actor::stateful_pointer<agent_state> self, pb::Node node,
      dispatcher_actor dispatcher,
      std::map<std::string, std::shared_ptr<driver>> drivers,
      std::string tasks_dir) {
  auto& st = self->state;
  st.node = std::move(node);
  st.dispatcher = std::move(dispatcher);
  st.tasks_dir = tasks_dir;
  st.supervisor = self->spawn(supervisor, caf::actor_cast<agent_actor>(self),
                              std::move(drivers), st.node.name(), tasks_dir);
  self->link_to(st.supervisor);
  join(self);
  return {
    [=](atom::join) { join(self); },
    [=](atom::assign, const pb::Assignments& a) {
      if (self->state.stopping)
        return;
      std::set<std::string> now;
      for (const auto& t : a.tasks()) {
        now.insert(t.id());
        self->send(self->state.supervisor, atom::run_v, t);
      }
      for (const auto& id : self->state.assigned)
        if (now.count(id) == 0)
          self->send(self->state.supervisor, atom::stop_v, id);
      self->state.assigned = std::move(now);
    },
    [=](atom::logs, const pb::LogRequest& req) {
      return read_task_logs(self->state.tasks_dir, req);
    },
    [=](atom::status, const pb::TaskStatus& s) {
      if (self->state.stopping)
        return;
      pb::StatusReport report;
      report.set_node(self->state.node.name());
      *report.add_statuses() = s;
      self->send(self->state.dispatcher, atom::status_v, std::move(report));
    },
    [=](atom::shutdown) {
      self->state.stopping = true;
      return self->delegate(self->state.supervisor, atom::shutdown_v);
    },
  };
}

} // namespace troupe
