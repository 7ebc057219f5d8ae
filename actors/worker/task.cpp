#include "actors/worker/task.hpp"
#include "runtime/wall_clock.hpp"

#include <cctype>
#include <cstdio>

#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>

#include "actors/worker/container_record.hpp"
#include "actors/worker/task_spec.hpp"
#include "messages/errors.hpp"
#include "runtime/child_process.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<task_actor, task_state>;

constexpr auto poll_interval = std::chrono::milliseconds(100);

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

/// Runs a blocking step on the pool (inline without one).
void run_blocking(self_ptr self, std::function<void()> job) {
  if (self->state.ctx.pool)
    self->state.ctx.pool->submit(std::move(job));
  else
    job();
}

/// Sends `sig` to the container from the pool (runc kill blocks).
void send_signal(self_ptr self, int sig) {
  auto& st = self->state;
  if (st.container.id.empty() || st.exited)
    return;
  run_blocking(self, [drv = st.ctx.drv, c = st.container, sig] {
    drv->signal(c, sig);
  });
}

/// Asks the container to stop: SIGTERM now, SIGKILL after the grace period.
void stop_container(self_ptr self) {
  send_signal(self, SIGTERM);
  self->delayed_send(self,
                     std::chrono::milliseconds(
                       self->state.ctx.task.spec().stop_grace_period_ms()),
                     atom::kill_v);
}

/// Notes the running container in the task's folder, so an agent that starts
/// after this one was killed can stop it. Runs on the pool.
void record_container(const std::string& driver_name, const std::string& tasks_dir,
                      const std::string& task_id, const container_handle& c,
                      int64_t started_ms) {
  container_record r;
  r.driver = driver_name;
  r.container_id = c.id;
  r.task_id = task_id;
  r.pid = c.pid;
  r.start_ticks = process_start_ticks(r.pid).value_or(0);
  r.started_ms = started_ms > 0 ? started_ms : unix_now_ms();
  std::string err;
  if (!write_container_record(tasks_dir, r, &err))
    std::fprintf(stderr, "task: %s\n", err.c_str());
}

/// How to run `cmd` in the container's context (health check commands,
/// `troupe exec`): a process task's env, folder and cgroups; an oci task's
/// `runc exec`, with the agent's env.
pb::ExecTarget command_target(const task_state& st, const std::vector<std::string>& cmd,
                              bool tty) {
  auto cs = make_container_spec(st.ctx.task, st.ctx.restarts, st.ctx.node,
                                st.ctx.tasks_dir);
  bool process = st.ctx.drv->name() == "process";
  const char* path = std::getenv("PATH");
  auto env = process ? cs.env : std::map<std::string, std::string>{};
  if (process && tty && env.count("TERM") == 0)
    env["TERM"] = "xterm";
  pb::ExecTarget out;
  for (auto& a : st.ctx.drv->exec_argv(st.container, cmd, tty))
    out.add_argv(a);
  for (auto& e : env_list(env, path ? path : "/usr/bin:/bin"))
    out.add_env(e);
  if (process)
    out.set_working_dir(cs.working_dir.empty() ? cs.task_dir : cs.working_dir);
  for (auto& f : st.ctx.drv->exec_join_files(st.container))
    out.add_join_files(f);
  return out;
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
  if (st.ctx.drv->simulated_health(st.container)) {
    t.probe = [drv = st.ctx.drv, c = st.container] {
      check_result r;
      r.ok = drv->simulated_health(c).value_or(false);
      if (!r.ok)
        r.message = "the simulated container is unhealthy";
      return r;
    };
  } else if (h.cmd_size() > 0) {
    auto target = command_target(st, {h.cmd().begin(), h.cmd().end()}, false);
    t.argv.assign(target.argv().begin(), target.argv().end());
    t.env.assign(target.env().begin(), target.env().end());
    t.working_dir = target.working_dir();
  }
  st.health = std::make_unique<health_monitor>(std::move(t), st.started_ms);
  self->send(self, atom::tick_v);
}

/// Checks health on a poll; an unhealthy task is stopped as a failure.
void check_health(self_ptr self) {
  auto& st = self->state;
  if (!st.health || st.stopping || st.unhealthy)
    return;
  auto change = st.health->poll(unix_now_ms());
  if (!change)
    return;
  if (*change != "unhealthy") {
    report(self, pb::RUNNING, "running (" + *change + ")");
    return;
  }
  st.unhealthy = true;
  report(self, pb::RUNNING, "unhealthy: " + st.health->last_message());
  stop_container(self);
}

/// Asks the driver to tell us of the container's exit; polls when it cannot.
void watch_exit(self_ptr self) {
  auto& st = self->state;
  auto me = caf::actor_cast<task_actor>(self);
  if (st.ctx.drv->notify_exit(st.container,
                              [me] { caf::anon_send(me, atom::poll_v); }))
    return;
  st.polling = true;
  self->send(self, atom::poll_v);
}

/// The container runs (started or adopted): report, watch, check.
void running(self_ptr self, const container_handle& c, const std::string& message,
             int64_t started_ms = 0) {
  auto& st = self->state;
  st.container = c;
  if (st.container.dir.empty())  // the shim's folder: the task's own
    st.container.dir = task_dir(st.ctx.tasks_dir, st.ctx.task.id());
  st.started_ms = started_ms > 0 ? started_ms : unix_now_ms();
  start_health(self);
  report(self, pb::RUNNING, message);
  watch_exit(self);
  if (st.stopping) // asked to stop while it was starting
    stop_container(self);
}

/// Starts the container on the pool; the outcome arrives as a status.
void start_container(self_ptr self) {
  auto& st = self->state;
  if (st.ctx.adopt) {
    int64_t started = st.ctx.adopt_started_ms;
    if (!st.ctx.reattached)
      run_blocking(self, [name = st.ctx.drv->name(), dir = st.ctx.tasks_dir,
                          id = st.ctx.task.id(), c = *st.ctx.adopt, started] {
        record_container(name, dir, id, c, started);
      });
    running(self, *st.ctx.adopt,
            st.ctx.reattached ? "running (re-attached after the agent restarted)"
                              : "running (adopted after the task actor restarted)",
            started);
    return;
  }
  report(self, pb::STARTING, "starting");
  auto spec = make_container_spec(st.ctx.task, st.ctx.restarts, st.ctx.node,
                                  st.ctx.tasks_dir);
  auto me = caf::actor_cast<task_actor>(self);
  run_blocking(self, [me, drv = st.ctx.drv, spec = std::move(spec),
                      tasks_dir = st.ctx.tasks_dir, id = st.ctx.task.id()] {
    std::error_code ec;
    if (drv->uses_host())
      std::filesystem::create_directories(spec.task_dir, ec);
    container_handle c;
    std::string err;
    pb::TaskStatus s;
    s.set_task_id(id);
    if (drv->start(spec, &c, &err)) {
      if (drv->uses_host())
        record_container(drv->name(), tasks_dir, id, c, unix_now_ms());
      s.set_state(pb::RUNNING);
      s.set_pid(c.pid);
      s.set_container_id(c.id);
    } else {
      s.set_state(pb::FAILED);
      s.set_message(err);
    }
    // A container that takes a while to be ready (sim's start delay) is
    // running for the task once that time has passed; it stays STARTING.
    if (c.ready_after_ms > 0)
      caf::delayed_anon_send(me, std::chrono::milliseconds(c.ready_after_ms),
                             atom::status_v, std::move(s));
    else
      caf::anon_send(me, atom::status_v, std::move(s));
  });
}

/// The container exited: clean up on the pool, then report.
void container_exited(self_ptr self, exit_status status) {
  auto& st = self->state;
  st.exited = true;
  if (status.ended_ms > 0 && status.ended_ms < st.spawned_ms) {
    // It ended while no agent watched: say when.
    auto secs = static_cast<time_t>(status.ended_ms / 1000);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    status.message += std::string(" at ") + when + ", while the agent was down";
  }
  auto me = caf::actor_cast<task_actor>(self);
  run_blocking(self, [me, drv = st.ctx.drv, c = st.container, status,
                      tasks_dir = st.ctx.tasks_dir, id = st.ctx.task.id()] {
    drv->cleanup(c);
    if (drv->uses_host())
      remove_container_record(tasks_dir, id);
    caf::anon_send(me, atom::exited_v, static_cast<int32_t>(status.exit_code),
                   status.message);
  });
}

} // namespace

task_actor::behavior_type task(probed_pointer<task_actor, task_state> self,
                               task_context ctx, supervisor_actor supervisor) {
  self->state.ctx = std::move(ctx);
  self->state.supervisor = std::move(supervisor);
  self->state.spawned_ms = unix_now_ms();
  observe::describe(self, observe::actor_kind::task,
                    "task/" + self->state.ctx.task.id());
  start_container(self);
  return {
    [=](atom::status, const pb::TaskStatus& s) {
      if (s.state() != pb::RUNNING) {
        finish(self, 127, "cannot start: " + s.message());
        return;
      }
      running(self, container_handle{s.container_id(), s.pid()}, "running");
    },
    [=](atom::poll) {
      auto& st = self->state;
      if (st.exited || st.container.id.empty())
        return;
      auto status = st.ctx.drv->poll(st.container);
      if (status) {
        container_exited(self, *status);
        return;
      }
      if (st.polling)
        self->delayed_send(self, poll_interval, atom::poll_v);
    },
    [=](atom::tick) {
      auto& st = self->state;
      if (st.exited || !st.health)
        return;
      check_health(self);
      self->delayed_send(self, poll_interval, atom::tick_v);
    },
    [=](atom::exited, int32_t code, const std::string& message) {
      auto& st = self->state;
      if (st.unhealthy && !st.stopping)
        finish(self, code == 0 ? 1 : code,
               "unhealthy (" + st.health->last_message() + "), " + message);
      else
        finish(self, code, message);
    },
    [=](atom::stop) {
      auto& st = self->state;
      if (st.stopping)
        return;
      st.stopping = true;
      if (st.container.id.empty())
        return; // still starting: stopped once it runs
      stop_container(self);
    },
    [=](atom::kill) { send_signal(self, SIGKILL); },
    [=](atom::exec, const pb::ExecRequest& req) -> caf::result<pb::ExecTarget> {
      auto& st = self->state;
      if (st.container.id.empty() || st.exited || st.stopping)
        return caf::make_error(error_code::conflict,
                          "task " + st.ctx.task.id() + " is not running here now");
      return command_target(st, {req.command().begin(), req.command().end()},
                            req.tty());
    },
  };
}

} // namespace troupe
