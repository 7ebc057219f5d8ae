#include "actors/worker/supervisor.hpp"
#include "runtime/wall_clock.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <unistd.h>

#include "actors/worker/task.hpp"
#include "actors/worker/task_spec.hpp"
#include "runtime/shim_client.hpp"
#include "config/units.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<supervisor_actor, supervisor_state>;

void report(self_ptr self, const supervised_task& t, pb::TaskState state,
            const std::string& message, int32_t exit_code = 0,
            int64_t restart_at = 0) {
  pb::TaskStatus s;
  s.set_restart_at(restart_at);
  s.set_task_id(t.task.id());
  s.set_state(state);
  s.set_message(message);
  s.set_restarts(t.tracker.restarts());
  s.set_exit_code(exit_code);
  self->send(self->state.agent, atom::status_v, s);
}

void check_shutdown_done(self_ptr self) {
  if (!self->state.tasks.empty())
    return;
  for (auto& p : self->state.shutdown_waiters)
    p.deliver(true);
  self->state.shutdown_waiters.clear();
}

/// Removes the folders of tasks the history no longer keeps, on the pool.
void remove_task_folders(self_ptr self, const std::vector<std::string>& ids) {
  auto& st = self->state;
  for (const auto& id : ids) {
    auto job = [dir = task_dir(st.tasks_dir, id)] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);  // best effort: prune finds what is left
    };
    if (st.pool)
      st.pool->submit(std::move(job));
    else
      job();
  }
}

/// Task `id` ended here: it never runs again here, and its slot's oldest
/// ended folder beyond the history limit is removed. Only a task still
/// assigned is remembered as ended: the manager may send it again until it
/// has recorded the end, and an unassigned one is never sent again.
void retire(self_ptr self, const std::string& id) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end() || !i->second.unassigned)
    self->state.ended.insert(id);
  remove_task_folders(self, self->state.history.ended(id));
}

/// The folders an earlier agent left, of tasks that are not re-attached:
/// history, oldest first (those beyond the limit go at once).
void remember_earlier_folders(self_ptr self) {
  namespace fs = std::filesystem;
  auto& st = self->state;
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(st.tasks_dir, ec)) {
    auto name = e.path().filename().string();
    std::error_code tec;
    if (!e.is_directory(tec) || st.leftovers.count(name) > 0)
      continue;
    found.emplace_back(fs::last_write_time(e.path(), tec), name);
  }
  std::sort(found.begin(), found.end());
  for (const auto& [when, name] : found)
    remove_task_folders(self, st.history.ended(name));
}

void spawn_task(self_ptr self, supervised_task& t) {
  auto& st = self->state;
  task_context ctx;
  ctx.task = t.task;
  ctx.restarts = t.tracker.restarts();
  ctx.node = st.node;
  ctx.tasks_dir = st.tasks_dir;
  ctx.pool = st.pool;
  auto drv = st.drivers.find(t.task.spec().driver());
  if (drv == st.drivers.end()) {
    report(self, t, pb::REJECTED,
           "driver '" + t.task.spec().driver() + "' is not available on node "
             + st.node);
    retire(self, t.task.id());
    st.tasks.erase(t.task.id());
    return;
  }
  ctx.drv = drv->second;
  if ((t.actor_restarts > 0 || t.reattach) && t.container)
    ctx.adopt = t.container;
  ctx.reattached = t.reattach;
  ctx.adopt_started_ms = t.reattach_started_ms;
  t.reattach = false;
  t.actor = self->spawn(task, std::move(ctx),
                        caf::actor_cast<supervisor_actor>(self));
  st.task_of_actor[t.actor.id()] = t.task.id();
  self->monitor(t.actor);
  self->link_to(t.actor);
  observe::note_monitor(self, t.actor);
  observe::note_link(self, t.actor);
  observe::set_restarts(self->home_system(), t.actor.id(),
                        t.actor_restarts + t.tracker.restarts(), t.last_error);
  observe::set_summary(self, std::to_string(st.tasks.size()) + " tasks");
}

/// The supervised task whose live actor is `source`, or null (the actor
/// reported its exit already, or is not a task actor of ours).
supervised_task* task_actor_of(self_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  auto a = st.task_of_actor.find(source.id());
  if (a == st.task_of_actor.end())
    return nullptr;
  auto i = st.tasks.find(a->second);
  if (i == st.tasks.end() || !i->second.actor
      || i->second.actor.address() != source)
    return nullptr;
  return &i->second;
}

/// The recorded process still runs (and is the same one: a pid the kernel
/// handed to another process since has another start time).
bool same_process(const container_record& r) {
  auto ticks = process_start_ticks(r.pid);
  return ticks && (r.start_ticks == 0 || *ticks == r.start_ticks);
}

bool shim_answers(const std::string& dir) {
  int fd = connect_shim(dir);
  if (fd >= 0)
    ::close(fd);
  return fd >= 0;
}

/// Stops, on the pool, the container an earlier agent left for task `id`
/// (no longer assigned here); removes its record.
void stop_leftover(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto r = st.leftovers.find(id);
  if (r == st.leftovers.end())
    return;
  auto rec = r->second;
  st.leftovers.erase(r);
  auto d = st.drivers.find(rec.driver);
  if (d == st.drivers.end())
    return;
  auto job = [drv = d->second, rec, dir = st.tasks_dir] {
    container_handle h{rec.container_id, rec.pid, task_dir(dir, rec.task_id)};
    if (!shim_answers(h.dir) && !same_process(rec))
      h.pid = 0;  // gone, and its pid may be another's now
    drv->signal(h, SIGKILL);
    drv->cleanup(h);
    remove_container_record(dir, rec.task_id);
    std::fprintf(stderr, "agent: stopped leftover container %s of task %s from an earlier run\n",
                 rec.container_id.c_str(), rec.task_id.c_str());
  };
  if (st.pool)
    st.pool->submit(std::move(job));
  else
    job();
}

void stop_task(self_ptr self, const std::string& id) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end()) {
    stop_leftover(self, id);
    return;
  }
  auto& t = i->second;
  t.stop_requested = true;
  if (t.actor) {
    self->send(t.actor, atom::stop_v);
    return;
  }
  // Waiting for a restart delay: there is no container to stop.
  report(self, t, pb::SHUTDOWN, "shut down while waiting to restart");
  retire(self, id);
  self->state.tasks.erase(i);
  check_shutdown_done(self);
}

void on_exit(self_ptr self, const std::string& id, int32_t code,
             const std::string& message, bool requested, int64_t started_ms) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return;
  auto& t = i->second;
  t.actor = nullptr;
  t.container.reset();
  if (requested || t.stop_requested) {
    report(self, t, pb::SHUTDOWN, "shut down (" + message + ")", code);
  } else {
    auto d = t.tracker.on_exit(code, false, started_ms, unix_now_ms());
    if (d.restart) {
      t.last_error = message;
      // No container runs meanwhile: not RUNNING, no pid (the manager's
      // state only moves forward; restart_at tells what is going on).
      report(self, t, pb::STARTING,
             message + "; restarting in " + format_duration_ms(d.delay_ms), code,
             unix_now_ms() + d.delay_ms);
      self->delayed_send(self, std::chrono::milliseconds(d.delay_ms),
                         atom::restart_v, id);
      return;
    }
    report(self, t, code == 0 ? pb::COMPLETE : pb::FAILED,
           message + "; " + d.reason, code);
  }
  retire(self, id);
  self->state.tasks.erase(i);
  observe::set_summary(self, std::to_string(self->state.tasks.size()) + " tasks");
  check_shutdown_done(self);
}

} // namespace

supervisor_actor::behavior_type
supervisor(probed_pointer<supervisor_actor, supervisor_state> self,
           agent_actor agent,
           std::map<std::string, std::shared_ptr<driver>> drivers,
           std::string node, std::string tasks_dir,
           std::shared_ptr<blocking_pool> pool,
           std::map<std::string, container_record> leftovers) {
  auto& st = self->state;
  st.leftovers = std::move(leftovers);
  st.pool = std::move(pool);
  st.agent = std::move(agent);
  st.drivers = std::move(drivers);
  st.node = std::move(node);
  st.tasks_dir = std::move(tasks_dir);
  remember_earlier_folders(self);
  observe::describe(self, observe::actor_kind::supervisor,
                    "supervisor/" + st.node);
  observe::set_summary(self, "0 tasks");
  // Task actors are linked: they end with the supervisor. Their own ends
  // arrive as down messages (below), not as exits of the supervisor.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    if (!msg.reason)
      return; // a child that finished normally
    // The down message of a dead task actor comes first (it was monitored
    // before it was linked): it has been respawned already.
    if (self->state.respawned.erase(msg.source) > 0)
      return;
    if (task_actor_of(self, msg.source) != nullptr)
      return;
    self->quit(msg.reason);
  });
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto* found = task_actor_of(self, msg.source);
    self->state.task_of_actor.erase(msg.source.id());
    if (found == nullptr)
      return; // a task actor that ended after reporting its exit
    auto& t = *found;
    // The task actor died without reporting an exit: one-for-one restart,
    // adopting the container it left running.
    t.actor = nullptr;
    if (msg.reason)
      self->state.respawned.insert(msg.source);
    ++t.actor_restarts;
    t.last_error = "task actor ended: " + error_message(msg.reason);
    report(self, t, pb::RUNNING,
           "task actor restarted after: " + to_string(msg.reason));
    auto task_id = t.task.id();
    spawn_task(self, t);
    // A stop the old actor was carrying out must go on in the new one.
    auto j = self->state.tasks.find(task_id);
    if (j != self->state.tasks.end() && j->second.stop_requested
        && j->second.actor)
      self->send(j->second.actor, atom::stop_v);
  });
  return {
    [=](atom::run, pb::Task task) {
      if (self->state.ended.count(task.id()) > 0)
        return; // ended here; the manager will hear of it
      auto& tasks = self->state.tasks;
      auto i = tasks.find(task.id());
      if (i == tasks.end()) {
        if (task.desired_state() != pb::RUNNING) {
          // Never started here (e.g. a move called off before this node
          // started it): it ends now, or the manager waits for it forever.
          stop_leftover(self, task.id());
          supervised_task never{std::move(task)};
          report(self, never, pb::SHUTDOWN, "shut down before it started");
          retire(self, never.task.id());
          return;
        }
        auto id = task.id();
        self->state.history.running(id);  // its folder is no longer history
        auto& t = tasks.emplace(id, supervised_task{std::move(task)})
                    .first->second;
        auto left = self->state.leftovers.find(id);
        if (left != self->state.leftovers.end()
            && left->second.driver == t.task.spec().driver()) {
          // Its container outlived the agent: re-attach, same pid and id.
          const auto& r = left->second;
          t.container = container_handle{r.container_id, r.pid,
                                         task_dir(self->state.tasks_dir, id)};
          if (!shim_answers(t.container->dir) && !same_process(r))
            t.container->pid = 0;  // gone, and its pid may be another's now
          t.reattach = true;
          t.reattach_started_ms = r.started_ms;
          t.tracker.resume(t.task.restarts());
          self->state.leftovers.erase(left);
        }
        spawn_task(self, t);
        return;
      }
      i->second.task.set_desired_state(task.desired_state());
      if (task.desired_state() != pb::RUNNING && !i->second.stop_requested)
        stop_task(self, task.id());
    },
    [=](atom::stop, const std::string& id) {
      // No longer assigned here (the agent's list dropped it): it is never
      // sent again, so it need not be remembered as ended.
      self->state.ended.erase(id);
      auto i = self->state.tasks.find(id);
      if (i != self->state.tasks.end())
        i->second.unassigned = true;
      stop_task(self, id);
    },
    [=](atom::shutdown) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      self->state.shutdown_waiters.push_back(promise);
      std::vector<std::string> ids;
      for (const auto& [id, t] : self->state.tasks)
        ids.push_back(id);
      for (const auto& id : ids)
        stop_task(self, id);
      check_shutdown_done(self);
      return promise;
    },
    [=](atom::status, pb::TaskStatus s) {
      auto i = self->state.tasks.find(s.task_id());
      if (i == self->state.tasks.end())
        return;
      auto& t = i->second;
      if (s.state() == pb::RUNNING && s.pid() != 0)
        t.container = container_handle{s.container_id(), s.pid(),
                                       task_dir(self->state.tasks_dir, t.task.id())};
      s.set_restarts(t.tracker.restarts());
      self->send(self->state.agent, atom::status_v, s);
    },
    [=](atom::exited, const std::string& id, int32_t code,
        const std::string& message, bool requested, int64_t started_ms) {
      on_exit(self, id, code, message, requested, started_ms);
    },
    [=](atom::restart, const std::string& id) {
      auto i = self->state.tasks.find(id);
      if (i != self->state.tasks.end() && !i->second.actor
          && !i->second.stop_requested)
        spawn_task(self, i->second);
    },
    [=](atom::exec, const pb::ExecRequest& req) -> caf::result<pb::ExecTarget> {
      auto i = self->state.tasks.find(req.task());
      if (i == self->state.tasks.end() || !i->second.actor)
        return caf::make_error(error_code::conflict,
                          "task " + req.task() + " is not running on this node now");
      return self->delegate(i->second.actor, atom::exec_v, req);
    },
  };
}

} // namespace troupe
