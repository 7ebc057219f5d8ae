#include "actors/worker/agent.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <sys/stat.h>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/worker/container_record.hpp"
#include "actors/worker/disk_job.hpp"
#include "actors/worker/log_job.hpp"
#include "actors/worker/supervisor.hpp"
#include "actors/worker/task_spec.hpp"
#include "config/volume_name.hpp"
#include "messages/errors.hpp"
#include "runtime/image_store.hpp"
#include "runtime/log_files.hpp"
#include "runtime/wall_clock.hpp"
#include "actors/observe/metrics_families.hpp"

namespace troupe {

namespace {

/// The name of task `id`'s folder under tasks_dir (task_dir sanitizes ids).
std::string folder_name(const std::string& tasks_dir, const std::string& id) {
  return std::filesystem::path(task_dir(tasks_dir, id)).filename().string();
}

using self_ptr = probed_pointer<agent_actor, agent_state>;

/// Remembers which local volumes an assigned task mounts (`volume rm`).
void note_volumes(agent_state& st, const pb::Task& task) {
  std::vector<std::string> names;
  for (const auto& m : task.spec().mounts())
    if (auto name = volume_name(task, m); !name.empty())
      names.push_back(name);
  if (names.empty())
    st.task_volumes.erase(task.id());
  else
    st.task_volumes[task.id()] = std::move(names);
}

/// A task assigned here that mounts local volume `name`, or "".
std::string volume_user(const agent_state& st, const std::string& name) {
  if (name.empty())
    return "";
  for (const auto& [id, names] : st.task_volumes)
    if (std::find(names.begin(), names.end(), name) != names.end())
      return id;
  return "";
}

constexpr auto join_timeout = std::chrono::seconds(10);
constexpr auto join_retry = std::chrono::seconds(1);

void retry_join(self_ptr self) {
  self->state.joining = false;
  self->delayed_send(self, join_retry, atom::join_v);
}

void report_latest(self_ptr self);

/// Joined: report the latest observation of every task again. Those kept
/// while no manager was reachable must arrive; and reports sent to a manager
/// that died before it proposed them are lost (a task would stay "assigned"
/// forever). The state only moves forward, so repeats change nothing.
void joined(self_ptr self, dispatcher_actor d) {
  auto& st = self->state;
  st.joining = false;
  st.images_sent.assign(st.node.images().begin(), st.node.images().end());
  st.dispatcher = std::move(d);
  st.resync_asked = false;  // a join is answered with everything whole
  self->monitor(st.dispatcher);
  report_latest(self);
}

/// Sends the latest observation of every task (and port) upstream again.
void report_latest(self_ptr self) {
  auto& st = self->state;
  if (!st.dispatcher || st.cut_off || (st.latest.empty() && st.ports.empty()))
    return;
  pb::StatusReport report;
  report.set_node(st.node.name());
  for (const auto& [id, s] : st.latest)
    *report.add_statuses() = s;
  for (const auto& [port, p] : st.ports)
    *report.add_ports() = p;
  self->send(st.dispatcher, atom::status_v, std::move(report));
}

/// A delta did not fit what this node holds: the dispatcher sends its
/// assignments and routes whole again (right after the next join if none).
void ask_resync(self_ptr self) {
  auto& st = self->state;
  st.assigned.reset();
  st.routes_known = false;
  if (!st.dispatcher || st.resync_asked)
    return;
  st.resync_asked = true;
  pb::StatusReport report;
  report.set_node(st.node.name());
  report.set_resync(true);
  self->send(st.dispatcher, atom::status_v, std::move(report));
}

void join_through(self_ptr self, const gateway_actor& gw) {
  auto& st = self->state;
  self->request(gw, join_timeout, atom::join_v, st.node, st.upstream.join_token,
                caf::actor_cast<agent_actor>(self))
    .then([=](dispatcher_actor d) { joined(self, std::move(d)); },
          [=](const caf::error& err) {
            auto why = error_message(err);
            if (why.find("join token") != std::string::npos) {
              caf::aout(self) << "agent: the manager refused to join: " << why
                              << std::endl;
              self->quit(err);
              return;
            }
            caf::aout(self) << "agent: cannot join: " << why << "; retrying"
                            << std::endl;
            retry_join(self);
          });
}

void join(self_ptr self) {
  auto& st = self->state;
  if (st.joining || st.dispatcher || st.stopping)
    return;
  st.joining = true;
  if (st.upstream.local) {
    self->request(st.upstream.local, join_timeout, atom::join_v, st.node,
                  caf::actor_cast<agent_actor>(self))
      .then([=](bool) { joined(self, self->state.upstream.local); },
            [=](const caf::error& err) {
              caf::aout(self) << "agent: cannot join: " << error_message(err)
                              << "; retrying" << std::endl;
              retry_join(self);
            });
    return;
  }
  if (!st.upstream.gateways.empty()) {
    auto& gateways = st.upstream.gateways;
    join_through(self, gateways[st.next_manager++ % gateways.size()]);
    return;
  }
  auto& managers = st.upstream.managers;
  auto address = managers[st.next_manager++ % managers.size()];
  auto colon = address.rfind(':');
  auto host = address.substr(0, colon);
  auto port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, join_timeout, caf::connect_atom::value, host, port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& gw,
          const std::set<std::string>&) {
        if (!gw) {
          retry_join(self);
          return;
        }
        join_through(self, caf::actor_cast<gateway_actor>(gw));
      },
      [=](const caf::error& err) {
        caf::aout(self) << "agent: manager " << address
                        << " unreachable: " << error_message(err) << std::endl;
        retry_join(self);
      });
}

/// Lets go of the dispatcher (it forgot us, or stopped answering) and joins
/// again, through whichever manager answers.
void rejoin(self_ptr self, const dispatcher_actor& stale) {
  auto& st = self->state;
  if (!st.dispatcher || st.dispatcher != stale)
    return;
  self->demonitor(st.dispatcher.address());
  st.dispatcher = nullptr;
  join(self);
}

/// Reads the image layout's tags into the node record when index.json
/// changed since the last look (its mtime and size); true if the list changed.
bool read_images(self_ptr self) {
  auto& st = self->state;
  if (st.images_dir.empty())
    return false;
  struct stat info {};
  std::string stamp = "-";
  if (::stat((st.images_dir + "/index.json").c_str(), &info) == 0)
    stamp = std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec)
            + "/" + std::to_string(info.st_size);
  if (stamp == st.images_stamp)
    return false;
  st.images_stamp = stamp;
  std::vector<std::string> names;
  std::string error;
  list_images(st.images_dir, &names, &error);  // none when there is no layout
  if (std::equal(names.begin(), names.end(), st.node.images().begin(),
                 st.node.images().end()))
    return false;
  st.node.clear_images();
  for (auto& n : names)
    st.node.add_images(std::move(n));
  return true;
}

/// Joined, with a record whose images the dispatcher does not have yet: join
/// again with it (no availability: an operator's drain stays).
void send_images(self_ptr self) {
  auto& st = self->state;
  if (!st.dispatcher || st.sending_images || st.stopping
      || std::equal(st.images_sent.begin(), st.images_sent.end(), st.node.images().begin(),
                    st.node.images().end()))
    return;
  st.sending_images = true;
  pb::Node record = st.node;
  record.clear_availability();
  std::vector<std::string> sent(record.images().begin(), record.images().end());
  self->request(st.dispatcher, join_timeout, atom::join_v, record,
                caf::actor_cast<agent_actor>(self))
    .then(
      [=](bool) {
        self->state.sending_images = false;
        self->state.images_sent = sent;
      },
      [=](const caf::error&) { self->state.sending_images = false; });
}

void heartbeat(self_ptr self) {
  auto& st = self->state;
  read_images(self);
  send_images(self);
  if (st.dispatcher && !st.stopping && !st.cut_off) {
    auto d = st.dispatcher;
    auto timeout = std::chrono::milliseconds(2 * st.upstream.heartbeat_ms);
    observe::count_heartbeat_sent();
    self->request(d, timeout, atom::heartbeat_v, st.node.name())
      .then(
        [=](bool known) {
          if (!known)
            rejoin(self, d);
        },
        [=](const caf::error&) { rejoin(self, d); });
  }
  self->delayed_send(self, std::chrono::milliseconds(st.upstream.heartbeat_ms),
                     atom::heartbeat_v);
}

using driver_map = std::map<std::string, std::shared_ptr<driver>>;

/// Threads for container starts, stops and cleanups: the bound on how many
/// run at once (fork/exec and runc are CPU- and I/O-bound in the kernel).
size_t blocking_threads() {
  return std::clamp<size_t>(2 * std::thread::hardware_concurrency(), 4, 16);
}

// Above the kernel's PID_MAX_LIMIT (2^22): kill and waitpid find nothing.
constexpr int no_such_pid = 1 << 30;

/// The recorded process still runs (and is the same one: a pid the kernel
/// handed to another process since has another start time).
bool same_process(const container_record& r) {
  auto ticks = process_start_ticks(r.pid);
  return ticks && (r.start_ticks == 0 || *ticks == r.start_ticks);
}

/// Stops the container of a record left by an agent that was killed; false
/// when it was gone already. The process driver signals the whole process
/// group, so only a live group leader with the recorded pid is touched; the
/// oci driver goes by container id (its pid, runc's, only when still runc's).
bool stop_leftover(driver& d, const container_record& r) {
  container_handle h{r.container_id, r.pid};
  if (d.name() == "process") {
    if (!same_process(r) || process_group_of(r.pid) != r.pid)
      return false;
  } else if (!same_process(r)) {
    h.pid = no_such_pid;
  }
  d.signal(h, SIGKILL);
  d.cleanup(h);
  return true;
}

/// Before the agent joins: the containers recorded by a previous run of
/// this node. Those of drivers that re-attach are kept for the supervisor
/// (adopted if their task is still assigned here, else stopped); the
/// others' tasks start again fresh: they are stopped now.
std::map<std::string, container_record>
take_leftovers(self_ptr self, const driver_map& drivers, const std::string& tasks_dir) {
  std::map<std::string, container_record> kept;
  for (const auto& r : list_container_records(tasks_dir)) {
    auto k = drivers.find(r.driver);
    if (k != drivers.end() && k->second->reattaches()) {
      kept.emplace(r.task_id, r);
      continue;
    }
    auto d = drivers.find(r.driver);
    if (d == drivers.end()) {
      caf::aout(self) << "agent: cannot stop leftover container "
                      << r.container_id << " of task " << r.task_id
                      << ": no driver '" << r.driver << "' on this node"
                      << std::endl;
      continue;
    }
    if (stop_leftover(*d->second, r))
      caf::aout(self) << "agent: stopped leftover container " << r.container_id
                      << " of task " << r.task_id << " from an earlier run"
                      << std::endl;
    remove_container_record(tasks_dir, r.task_id);
  }
  return kept;
}

} // namespace

agent_actor::behavior_type
agent(probed_pointer<agent_actor, agent_state> self, pb::Node node,
      upstream_config upstream,
      std::map<std::string, std::shared_ptr<driver>> drivers,
      std::string tasks_dir, std::string images_dir,
      std::shared_ptr<blocking_pool> pool) {
  auto& st = self->state;
  st.node = std::move(node);
  st.images_dir = std::move(images_dir);
  read_images(self);
  st.upstream = std::move(upstream);
  st.tasks_dir = tasks_dir;
  auto leftovers = take_leftovers(self, drivers, tasks_dir);
  for (const auto& [id, r] : leftovers)
    st.leftovers.insert(id);
  st.supervisor = self->spawn(supervisor, caf::actor_cast<agent_actor>(self),
                              std::move(drivers), st.node.name(), tasks_dir,
                              pool ? std::move(pool)
                                   : std::make_shared<blocking_pool>(blocking_threads()),
                              std::move(leftovers));
  self->link_to(st.supervisor);
  self->set_down_handler([=](const caf::down_msg& msg) {
    if (end_exec_session(self, msg.source))
      return;
    if (msg.source != self->state.dispatcher.address())
      return;
    caf::aout(self) << "agent: lost the manager (" << to_string(msg.reason)
                    << "); tasks keep running, joining again" << std::endl;
    self->state.dispatcher = nullptr;
    join(self);
  });
  join(self);
  heartbeat(self);
  return {
    [=](atom::join) { join(self); },
    [=](atom::heartbeat) { heartbeat(self); },
    [=](atom::assign, const pb::Assignments& a) {
      auto& st = self->state;
      if (st.stopping || st.cut_off)
        return;  // cut off: the next delta will not fit, and asks for all
      if (a.full())
        st.resync_asked = false;
      auto step = st.assigned.apply(a);
      if (step.resync) {
        ask_resync(self);
        return;
      }
      for (auto& t : step.run) {
        note_volumes(st, t);
        self->send(st.supervisor, atom::run_v, std::move(t));
      }
      for (const auto& id : step.stop) {
        self->send(st.supervisor, atom::stop_v, id);
        st.latest.erase(id);
        st.task_volumes.erase(id);
      }
      // The first whole list: containers an earlier agent left for tasks
      // not on it have been replaced; they stop (the rest were adopted).
      for (const auto& id : st.leftovers)
        if (st.assigned.ids().count(id) == 0)
          self->send(st.supervisor, atom::stop_v, id);
      st.leftovers.clear();
    },
    [=](atom::logs, const pb::LogRequest& req) {
      // The folder listing and reads run on the job's own thread.
      auto job = self->spawn<caf::detached>(log_job, self->state.tasks_dir);
      return self->delegate(job, atom::logs_v, req);
    },
    [=](atom::read, const pb::DiskRequest& req) -> caf::result<pb::DiskReport> {
      auto& st = self->state;
      const auto& volume = req.remove_volume();
      if (!volume.empty()
          && (volume.size() > 256 || volume.front() == '.'
              || volume.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_.-") != std::string::npos))
        return caf::make_error(error_code::invalid_argument,
                               "'" + volume.substr(0, 64) + "' is not a volume name");
      if (!volume.empty() && !st.assigned.has_base())
        return caf::make_error(error_code::unavailable,
                               "node " + st.node.name() + " has not had its task list from a "
                               "manager yet, so it cannot tell whether a task uses volume "
                               + volume + ": try again once it has joined");
      if (auto user = volume_user(st, volume); !user.empty())
        return caf::make_error(error_code::conflict,
                               "volume " + volume + " is in use by task " + user
                                 + " on node " + st.node.name()
                                 + ": remove or scale down its service first");
      if (req.prune() && !st.assigned.has_base())
        return caf::make_error(error_code::unavailable,
                               "this node has not had its task list from a manager "
                               "yet, so it cannot tell which folders are live: "
                               "prune again once it has joined");
      disk_job_input in;
      in.node = st.node.name();
      in.tasks_dir = st.tasks_dir;
      in.images_dir = st.images_dir;
      in.volumes_dir = volume_dir(st.tasks_dir, "");
      for (const auto& id : st.assigned.ids())
        in.live.insert(folder_name(st.tasks_dir, id));
      for (const auto& id : st.leftovers)
        in.live.insert(folder_name(st.tasks_dir, id));
      in.started_ms = unix_now_ms();
      auto job = self->spawn<caf::detached>(disk_job, std::move(in));
      return self->delegate(job, atom::read_v, req);
    },
    [=](atom::exec, const pb::ExecRequest& req) -> caf::result<pb::ExecReply> {
      return exec_round(self, req);
    },
    [=](atom::route, pb::RouteTable& table) {
      auto& st = self->state;
      if (!st.mesh)
        return;  // none here (a standalone node's follows its store)
      bool fits = table.full()
                  || (st.routes_known && table.base_index() == st.routes_index);
      if (!fits) {
        ask_resync(self);
        return;
      }
      st.routes_known = true;
      st.routes_index = table.index();
      self->send(st.mesh, atom::route_v, std::move(table));
    },
    [=](atom::route, mesh_actor mesh) {
      self->state.mesh = std::move(mesh);
      if (!self->state.routes_known)
        ask_resync(self);  // tables that came before the mesh were dropped
    },
    [=](atom::status, const pb::TaskStatus& s) {
      auto& st = self->state;
      if (st.stopping)
        return;
      auto& latest = st.latest[s.task_id()];
      auto health = latest.health();
      latest = s;
      if (s.health().empty())
        latest.set_health(health);  // "" = unchanged
      if (!st.dispatcher || st.cut_off)
        return;  // reported with the others at the next join (or heal)
      pb::StatusReport report;
      report.set_node(st.node.name());
      *report.add_statuses() = s;
      self->send(st.dispatcher, atom::status_v, std::move(report));
    },
    [=](atom::status, pb::PortStatus p) {
      auto& st = self->state;
      p.set_node(st.node.name());
      st.ports[p.published()] = p;
      if (!st.dispatcher || st.cut_off)
        return;  // reported with the others at the next join (or heal)
      pb::StatusReport report;
      report.set_node(st.node.name());
      *report.add_ports() = std::move(p);
      self->send(st.dispatcher, atom::status_v, std::move(report));
    },
    [=](atom::pause, bool cut_off) {
      auto& st = self->state;
      if (cut_off == st.cut_off)
        return;
      st.cut_off = cut_off;
      observe::set_summary(self, cut_off ? "cut off (simulated partition)" : "");
      if (!cut_off)
        report_latest(self);
    },
    [=](atom::shutdown) -> caf::result<bool> {
      self->state.stopping = true;
      if (!self->state.upstream.stop_tasks)
        return true;  // live restore: the shims keep the tasks running
      return self->delegate(self->state.supervisor, atom::shutdown_v);
    },
  };
}

} // namespace troupe
