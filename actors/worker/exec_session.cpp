#include "actors/worker/exec_session.hpp"

#include <chrono>

#include "messages/errors.hpp"

namespace troupe {

namespace {

using self_ptr = probed_pointer<exec_session_actor, exec_session_state>;

constexpr auto idle_check = std::chrono::seconds(5);

pb::ExecReply empty_reply(self_ptr self) {
  pb::ExecReply r;
  r.set_session(self->state.id);
  r.set_task(self->state.task);
  r.set_node(self->state.node);
  return r;
}

/// What the command wrote since the last reply; the session ends after the
/// reply that says it exited.
pb::ExecReply output_reply(self_ptr self) {
  auto r = empty_reply(self);
  auto out = self->state.pump->take(exec_reply_bytes);
  r.set_output(std::move(out.output));
  r.set_errors(std::move(out.errors));
  if (out.exited) {
    r.set_exited(true);
    r.set_exit_code(out.exit_code);
    self->quit();
  }
  return r;
}

/// Answers the held output round, if any.
void answer_held(self_ptr self) {
  auto& st = self->state;
  if (!st.held)
    return;
  auto promise = std::move(*st.held);
  st.held.reset();
  promise.deliver(output_reply(self));
}

/// Input, signal and size of a round, for the command.
void apply_round(self_ptr self, const pb::ExecRequest& req) {
  auto& pump = *self->state.pump;
  if (!req.input().empty())
    pump.write_input(req.input());
  if (req.input_closed())
    pump.close_input();
  if (req.rows() > 0 && req.cols() > 0)
    pump.resize(static_cast<uint16_t>(req.rows()), static_cast<uint16_t>(req.cols()));
  if (req.signal() > 0)
    pump.signal(req.signal());
}

} // namespace

exec_session_actor::behavior_type
exec_session(self_ptr self, uint64_t id, std::string node, pb::ExecTarget target,
             pb::ExecRequest start, agent_actor agent) {
  auto& st = self->state;
  st.id = id;
  st.task = start.task();
  st.node = std::move(node);
  st.last_round = std::chrono::steady_clock::now();
  observe::describe(self, observe::actor_kind::other, "exec/" + st.task);
  exec_command cmd;
  cmd.argv.assign(target.argv().begin(), target.argv().end());
  cmd.env.assign(target.env().begin(), target.env().end());
  cmd.working_dir = target.working_dir();
  cmd.join_files.assign(target.join_files().begin(), target.join_files().end());
  cmd.tty = start.tty();
  cmd.interactive = start.interactive();
  cmd.rows = static_cast<uint16_t>(start.rows());
  cmd.cols = static_cast<uint16_t>(start.cols());
  caf::actor_addr me = self->address();
  st.pump = exec_pump::start(
    cmd,
    [me] {
      if (auto dest = caf::actor_cast<exec_session_actor>(me))
        caf::anon_send(dest, atom::poll_v);
    },
    &st.start_error);
  self->delayed_send(self, idle_check, atom::tick_v, uint64_t{0});
  // The node is stopping: its exec commands end with it.
  self->monitor(agent);
  self->set_down_handler([=](const caf::down_msg&) { self->quit(); });
  return {
    [=](atom::exec, const pb::ExecRequest& req) -> caf::result<pb::ExecReply> {
      auto& st = self->state;
      if (!st.pump) {
        self->quit();
        return caf::make_error(error_code::io_error,
                          "cannot run the command in task " + st.task + ": "
                            + st.start_error);
      }
      st.last_round = std::chrono::steady_clock::now();
      apply_round(self, req);
      if (req.session() == 0 || req.input_only())
        return empty_reply(self);
      answer_held(self);  // an older round still waiting: it gets nothing more
      if (st.pump->has_news() || req.wait_ms() == 0)
        return output_reply(self);
      st.held = self->make_response_promise<pb::ExecReply>();
      self->delayed_send(self, std::chrono::milliseconds(req.wait_ms()),
                         atom::tick_v, ++st.rounds);
      return *st.held;
    },
    [=](atom::poll) {
      if (self->state.pump && self->state.pump->has_news())
        answer_held(self);
    },
    [=](atom::tick, uint64_t round) {
      auto& st = self->state;
      if (round != 0) {
        if (round == st.rounds)
          answer_held(self);
        return;
      }
      if (!st.held && std::chrono::steady_clock::now() - st.last_round > exec_idle) {
        self->quit();  // the client is gone: the pump kills the command
        return;
      }
      self->delayed_send(self, idle_check, atom::tick_v, uint64_t{0});
    },
  };
}

} // namespace troupe
