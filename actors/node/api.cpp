#include "actors/node/api.hpp"

#include <chrono>
#include <vector>

#include "actors/manager/core/cluster_state.hpp"
#include "actors/manager/core/exec_check.hpp"
#include "actors/manager/core/volume_queries.hpp"
#include "actors/manager/queries.hpp"
#include "actors/observe/events.hpp"
#include "actors/observe/registry.hpp"
#include "messages/build_info.hpp"
#include "messages/errors.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<api_actor, api_state>;

constexpr auto request_timeout = std::chrono::seconds(30);
constexpr auto read_timeout = std::chrono::seconds(5);

/// The routing frames of a request (identity, empty delimiter).
using envelope = std::vector<std::string>;

void reply(self_ptr self, const envelope& env, const pb::Response& resp) {
  self->state.zmq->send(env, resp.SerializeAsString());
}

void reply_error(self_ptr self, const envelope& env, const std::string& why) {
  pb::Response resp;
  resp.set_error(why);
  reply(self, env, resp);
}

void serve_at(self_ptr self, const envelope& env, const pb::Request& req,
              uint64_t read_index);

/// Proposes `entry` and answers the client with its index (or the error).
void propose_and_reply(self_ptr self, const envelope& env, pb::Entry entry) {
  self->request(self->state.store, request_timeout, atom::propose_v, std::move(entry))
    .then(
      [=](uint64_t index) {
        pb::Response resp;
        resp.set_index(index);
        reply(self, env, resp);
      },
      [=](const caf::error& err) { reply_error(self, env, error_message(err)); });
}

/// Introspection requests: answered from this node's registry, a trace once
/// its time is up (finish_traces).
void serve_console(self_ptr self, const envelope& env, const pb::Request& req) {
  auto& sys = self->home_system();
  if (req.kind_case() != pb::Request::kActorTrace) {
    reply(self, env, observe::answer_console(sys, req));
    return;
  }
  auto why = observe::start_trace(sys, req.actor_trace());
  if (!why.empty()) {
    reply_error(self, env, why);
    return;
  }
  observe::pending_trace t;
  t.envelope = env;
  t.id = req.actor_trace().id();
  auto duration = std::chrono::milliseconds(req.actor_trace().duration_ms());
  t.until = std::chrono::steady_clock::now() + duration;
  self->state.traces.push_back(std::move(t));
  self->delayed_send(self, duration, atom::poll_v);
}

void finish_traces(self_ptr self) {
  auto& traces = self->state.traces;
  auto now = std::chrono::steady_clock::now();
  for (auto i = traces.begin(); i != traces.end();) {
    if (i->until > now) {
      ++i;
      continue;
    }
    reply(self, i->envelope, observe::finish_trace(self->home_system(), i->id));
    i = traces.erase(i);
  }
}

/// `troupe version`: this build and node; answered by every node.
pb::Response version_answer(self_ptr self) {
  pb::Response resp;
  auto* v = resp.mutable_server_version();
  v->set_version(build_version());
  v->set_commit(build_commit());
  v->set_build_type(build_type());
  v->set_api_level(api_level);
  if (auto* reg = observe::registry_of(self->home_system())) {
    auto node = reg->node();
    v->set_node(node.name());
    v->set_role(node.role());
  }
  return resp;
}

/// `system df` / `system prune`: this node's own task folders, measured by
/// its agent (every node that runs tasks answers; a manager-only one does not).
void serve_disk(self_ptr self, const envelope& env, const pb::DiskRequest& req) {
  if (!self->state.agent) {
    reply_error(self, env, "this node runs no tasks (a manager only), so it has no "
                           "task folders: ask a worker or a standalone node");
    return;
  }
  if (req.until_ms() < 0) {
    reply_error(self, env, "a prune cut-off must be a time after 1970, not "
                             + std::to_string(req.until_ms()) + " ms");
    return;
  }
  self->request(self->state.agent, request_timeout, atom::read_v, req)
    .then(
      [=](const pb::DiskReport& report) {
        pb::Response resp;
        *resp.mutable_disk() = report;
        reply(self, env, resp);
      },
      [=](const caf::error& err) { reply_error(self, env, error_message(err)); });
}

/// Asks the leader's dispatcher, which every worker joined (logs, exec
/// rounds): this node's own while it leads (or knows of no leader), else
/// through the leader's gateway. `answer` gets the reply; an error is the
/// client's sentence.
template <class Answer, class... Ts>
void ask_leaders_dispatcher(self_ptr self, const envelope& env,
                            std::chrono::milliseconds timeout, Answer answer,
                            Ts... xs) {
  auto on_error = [=](const caf::error& err) {
    reply_error(self, env, error_message(err));
  };
  self->request(self->state.raft, request_timeout, atom::leader_v)
    .then(
      [=](bool leading, const gateway_actor& leader) {
        if (leading || !leader)
          self->request(self->state.dispatcher, timeout, xs...).then(answer, on_error);
        else
          self->request(leader, timeout, xs...).then(answer, on_error);
      },
      on_error);
}

/// `troupe exec`: finds the task's node in this manager's state and passes
/// the round to it through the leader's dispatcher (every worker joined it).
void serve_exec(self_ptr self, const envelope& env, pb::ExecRequest req) {
  auto why = exec_request_problem(req, self->state.zmq->limits());
  if (!why.empty()) {
    reply_error(self, env, why);
    return;
  }
  auto on_error = [=](const caf::error& err) {
    reply_error(self, env, error_message(err));
  };
  auto answer = [=](const pb::ExecReply& r) {
    pb::Response resp;
    *resp.mutable_exec() = r;
    reply(self, env, resp);
  };
  self->request(self->state.store, request_timeout, atom::snapshot_v, uint64_t{0})
    .then(
      [=](const state_view& view) mutable {
        std::string why;
        auto* task = exec_task(view, req.task(), req.session() == 0, &why);
        if (!task) {
          reply_error(self, env, why);
          return;
        }
        req.set_task(task->id());
        req.set_node(task->node());
        // An output round is held by the node up to its wait: allow for it.
        auto wait = request_timeout + std::chrono::milliseconds(req.wait_ms());
        ask_leaders_dispatcher(self, env, wait, answer, atom::exec_v, req);
      },
      on_error);
}

/// `volume rm`: checked against this manager's state; the volume's node
/// removes the data (through the leader's dispatcher), then the record goes.
void serve_volume_removal(self_ptr self, const envelope& env, const pb::VolumeRemoval& req) {
  auto on_error = [=](const caf::error& err) {
    reply_error(self, env, error_message(err));
  };
  auto forget = [=] { propose_and_reply(self, env, forget_volume(req.name())); };
  self->request(self->state.store, request_timeout, atom::snapshot_v, uint64_t{0})
    .then(
      [=](const state_view& view) {
        auto plan = plan_volume_removal(view, req);
        if (!plan.error.empty()) {
          reply_error(self, env, plan.error);
          return;
        }
        if (plan.forget_only) {
          forget();
          return;
        }
        pb::DiskRequest removal;
        removal.set_node(plan.node);
        removal.set_remove_volume(req.name());
        ask_leaders_dispatcher(self, env, request_timeout,
                               [=](const pb::DiskReport&) { forget(); }, atom::read_v,
                               removal);
      },
      on_error);
}

void serve(self_ptr self, const envelope& env, const pb::Request& req) {
  auto& st = self->state;
  auto on_error = [=](const caf::error& err) {
    reply_error(self, env, error_message(err));
  };
  if (req.kind_case() == pb::Request::kVersion) {
    reply(self, env, version_answer(self));
    return;
  }
  if (req.kind_case() == pb::Request::kDisk) {
    serve_disk(self, env, req.disk());
    return;
  }
  if (req.kind_case() == pb::Request::KIND_NOT_SET && req.api_level() > api_level) {
    reply_error(self, env, "this node speaks API level " + std::to_string(api_level)
                             + " and the client " + std::to_string(req.api_level())
                             + ": the node does not know this request; upgrade the node");
    return;
  }
  if (observe::is_console_request(req)) {
    serve_console(self, env, req);
    return;
  }
  if (!st.store) {
    reply_error(self, env,
                "this node is a worker: it answers only the console; send "
                "other requests to a manager");
    return;
  }
  if (req.kind_case() == pb::Request::kServiceLogs) {
    auto answer = [=](const pb::LogChunk& chunk) {
      pb::Response resp;
      *resp.mutable_logs() = chunk;
      reply(self, env, resp);
    };
    ask_leaders_dispatcher(self, env, request_timeout, answer, atom::logs_v,
                           req.service_logs());
    return;
  }
  if (req.kind_case() == pb::Request::kExec) {
    serve_exec(self, env, req.exec());
    return;
  }
  if (req.kind_case() == pb::Request::kRemoveVolume) {
    serve_volume_removal(self, env, req.remove_volume());
    return;
  }
  if (req.kind_case() == pb::Request::kClusterStatus) {
    self->request(st.raft, request_timeout, atom::status_v)
      .then(
        [=](const pb::ClusterStatus& status) {
          pb::Response resp;
          *resp.mutable_cluster() = status;
          reply(self, env, resp);
        },
        on_error);
    return;
  }
  if (req.kind_case() == pb::Request::kEvents) {
    auto ev = observe::events_of(self->home_system());
    if (!ev) {
      reply_error(self, env, "this node publishes no events");
      return;
    }
    self->request(ev, request_timeout, atom::read_v, req.events())
      .then(
        [=](const pb::EventsReply& events) {
          pb::Response resp;
          *resp.mutable_events() = events;
          reply(self, env, resp);
        },
        on_error);
    return;
  }
  if (!is_read(req) && !is_write(req)) {
    reply_error(self, env, "the request names no known operation");
    return;
  }
  if (is_write(req) && !req.has_deploy_check()) {
    // Checked against the local state: Raft orders the write itself, and
    // applying skips a change that no longer fits (an unknown service).
    // A deploy with --check-index is checked against a linearizable read.
    serve_at(self, env, req, 0);
    return;
  }
  self->request(st.raft, read_timeout, atom::read_v)
    .then(
      [=](uint64_t read_index) {
        serve_at(self, env, req, read_index);
      },
      on_error);
}

void serve_at(self_ptr self, const envelope& env, const pb::Request& req,
              uint64_t read_index) {
  auto on_error = [=](const caf::error& err) {
    reply_error(self, env, error_message(err));
  };
  self->request(self->state.store, request_timeout, atom::snapshot_v, read_index)
    .then(
      [=](const state_view& view) {
        if (is_read(req)) {
          reply(self, env, answer_read(view, req));
          return;
        }
        std::string why;
        auto entry = plan_write(view, req, &why, self->state.zmq->limits());
        if (!why.empty()) {
          reply_error(self, env, why);
          return;
        }
        propose_and_reply(self, env, std::move(entry));
      },
      on_error);
}

/// Serves every request the socket's thread has queued.
void serve_queued(self_ptr self) {
  for (auto& r : self->state.zmq->take()) {
    pb::Request req;
    if (!req.ParseFromString(r.payload)) {
      reply_error(self, r.envelope, "the request is not a valid troupe API message");
      continue;
    }
    serve(self, r.envelope, req);
  }
}

} // namespace

api_actor::behavior_type api(probed_pointer<api_actor, api_state> self,
                             std::shared_ptr<api_socket> zmq, store_actor store,
                             dispatcher_actor dispatcher, raft_actor raft) {
  name_this_thread("troupe.api");
  self->state.raft = std::move(raft);
  self->state.zmq = std::move(zmq);
  self->state.store = std::move(store);
  self->state.dispatcher = std::move(dispatcher);
  observe::describe(self, observe::actor_kind::api, "api");
  // The socket's thread pokes the actor when requests arrive; it stops
  // (and joins) when the actor ends.
  auto sock = self->state.zmq;
  caf::actor_addr me = self->address();
  sock->start([me] {
    if (auto dest = caf::actor_cast<api_actor>(me))
      caf::anon_send(dest, atom::poll_v);
  });
  self->attach_functor([sock] { sock->stop(); });
  return {
    [=](atom::poll) {
      serve_queued(self);
      if (!self->state.traces.empty())
        finish_traces(self);
    },
    [=](atom::connect, agent_actor agent) { self->state.agent = std::move(agent); },
  };
}

} // namespace troupe
