#include "actors/worker/task.hpp"

#include <cctype>

#include <chrono>
#include <csignal>
#include <filesystem>

#include "actors/worker/container_record.hpp"
#include "actors/worker/task_spec.hpp"
#include "runtime/child_process.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<task_actor, task_state>;

constexpr auto poll_interval = std::chrono::milliseconds(100);

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

void report(self_ptr self, pb::TaskState state, const std::string& message) {
  pb::TaskStatus s;
  s.set_task_id(self->state.ctx.task.id());
  s.set_state(state);
  s.set_message(message);
  s.set_pid(self->state.container.pid);
  s.set_container_id(self->state.container.id);
  s.set_started_at(self->state.started_ms);
  if (self->state.health)
    s.set_health(self->state.health->state());
  self->send(self->state.supervisor, atom::status_v, s);
  auto summary = pb::TaskState_Name(state);
  for (auto& c : summary)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!self->state.container.id.empty())
    summary += ", container " + self->state.container.id + ", pid "
               + std::to_string(self->state.container.pid);
  observe::set_summary(self, summary);
}

void finish(self_ptr self, int exit_code, const std::string& message) {
  auto& st = self->state;
  self->send(st.supervisor, atom::exited_v, st.ctx.task.id(),
             static_cast<int32_t>(exit_code), message, st.stopping,
             st.started_ms);
  self->quit();
}

/// Notes the running container in the task's folder, so an agent that starts
/// after this one was killed can stop it.
void record_container(self_ptr self) {
  auto& st = self->state;
  container_record r;
  r.driver = st.ctx.drv->name();
  r.container_id = st.container.id;
  r.task_id = st.ctx.task.id();
  r.pid = st.container.pid;
  r.start_ticks = process_start_ticks(r.pid).value_or(0);
  std::string err;
  if (!write_container_record(st.ctx.tasks_dir, r, &err))
    caf::aout(self) << "task: " << err << std::endl;
}

/// Sets up the health checks of a task that has them.
void start_health(self_ptr self) {
  auto& st = self->state;
  const pb::ServiceSpec& spec = st.ctx.task.spec();
  const pb::HealthCheck& h = spec.health();
  if (h.cmd_size() == 0 && !h.tcp() && h.http().empty())
    return;
  health_target t;
  t.check = h;
  if (spec.ports_size() > 0) {
    auto port = st.ctx.task.host_ports().find(spec.ports(0).name());
    if (port != st.ctx.task.host_ports().end())
      t.port = port->second;
  }
  if (h.cmd_size() > 0) {
    auto cs = make_container_spec(st.ctx.task, st.ctx.restarts, st.ctx.node,
                                  st.ctx.tasks_dir);
    std::vector<std::string> cmd(h.cmd().begin(), h.cmd().end());
    t.argv = st.ctx.drv->exec_argv(st.container, cmd);
    bool process = st.ctx.drv->name() == "process";
    const char* path = std::getenv("PATH");
    t.env = env_list(process ? cs.env : std::map<std::string, std::string>{},
                     path ? path : "/usr/bin:/bin");
    t.working_dir = process ? cs.working_dir : "";
    if (process && t.working_dir.empty())
      t.working_dir = cs.task_dir;
  }
  st.health = std::make_unique<health_monitor>(std::move(t), st.started_ms);
}

/// Checks health on a poll; an unhealthy task is stopped as a failure.
void check_health(self_ptr self) {
  auto& st = self->state;
  if (!st.health || st.stopping || st.unhealthy)
    return;
  auto change = st.health->poll(now_ms());
  if (!change)
    return;
  if (*change != "unhealthy") {
    report(self, pb::RUNNING, "running (" + *change + ")");
    return;
  }
  st.unhealthy = true;
  report(self, pb::RUNNING, "unhealthy: " + st.health->last_message());
  st.ctx.drv->signal(st.container, SIGTERM);
  self->delayed_send(self,
                     std::chrono::milliseconds(
                       st.ctx.task.spec().stop_grace_period_ms()),
                     atom::kill_v);
}

/// Starts the container; false if it could not be started (already reported).
bool start_container(self_ptr self) {
  auto& st = self->state;
  if (st.ctx.adopt) {
    st.container = *st.ctx.adopt;
    st.started_ms = now_ms();
    record_container(self);
    start_health(self);
    report(self, pb::RUNNING, "running (adopted after the task actor restarted)");
    return true;
  }
  report(self, pb::STARTING, "starting");
  auto spec = make_container_spec(st.ctx.task, st.ctx.restarts, st.ctx.node,
                                  st.ctx.tasks_dir);
  std::error_code ec;
  std::filesystem::create_directories(spec.task_dir, ec);
  std::string err;
  if (!st.ctx.drv->start(spec, &st.container, &err)) {
    finish(self, 127, "cannot start: " + err);
    return false;
  }
  st.started_ms = now_ms();
  record_container(self);
  start_health(self);
  report(self, pb::RUNNING, "running");
  return true;
}

} // namespace

task_actor::behavior_type task(probed_pointer<task_actor, task_state> self,
                               task_context ctx, supervisor_actor supervisor) {
  self->state.ctx = std::move(ctx);
  self->state.supervisor = std::move(supervisor);
  observe::describe(self, observe::actor_kind::task,
                    "task/" + self->state.ctx.task.id());
  if (!start_container(self))
    return task_actor::behavior_type::make_empty_behavior();
  self->send(self, atom::poll_v);
  return {
    [=](atom::poll) {
      auto& st = self->state;
      auto status = st.ctx.drv->poll(st.container);
      if (!status) {
        check_health(self);
        self->delayed_send(self, poll_interval, atom::poll_v);
        return;
      }
      st.ctx.drv->cleanup(st.container);
      remove_container_record(st.ctx.tasks_dir, st.ctx.task.id());
      if (st.unhealthy && !st.stopping)
        finish(self, status->exit_code == 0 ? 1 : status->exit_code,
               "unhealthy (" + st.health->last_message() + "), "
                 + status->message);
      else
        finish(self, status->exit_code, status->message);
    },
    [=](atom::stop) {
      auto& st = self->state;
      if (st.stopping)
        return;
      st.stopping = true;
      st.ctx.drv->signal(st.container, SIGTERM);
      auto grace = std::chrono::milliseconds(
        st.ctx.task.spec().stop_grace_period_ms());
      self->delayed_send(self, grace, atom::kill_v);
    },
    [=](atom::kill) {
      self->state.ctx.drv->signal(self->state.container, SIGKILL);
    },
  };
}

} // namespace troupe
