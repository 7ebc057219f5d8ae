// The agent's part of `troupe exec` (agent.hpp): sessions by id.
#include <random>

#include "actors/worker/agent.hpp"
#include "actors/worker/exec_session.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace {

/// A session id no earlier session of this process had, and that a client
/// of an earlier agent cannot guess: random, never 0.
uint64_t new_session_id(const agent_state& st) {
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t id = 0;
  while (id == 0 || st.exec_sessions.count(id) > 0)
    id = rng();
  return id;
}

} // namespace

caf::result<pb::ExecReply> exec_round(probed_pointer<agent_actor, agent_state> self,
                                      const pb::ExecRequest& req) {
  auto& st = self->state;
  if (req.session() != 0) {
    auto i = st.exec_sessions.find(req.session());
    if (i == st.exec_sessions.end())
      return caf::make_error(error_code::not_found,
                        "the exec session in task " + req.task()
                          + " has ended (its command exited, its client was away "
                            "for 30 s, or the node restarted)");
    return self->delegate(i->second, atom::exec_v, req);
  }
  if (st.stopping)
    return caf::make_error(error_code::unavailable, "this node is stopping");
  if (st.exec_sessions.size() >= max_exec_sessions)
    return caf::make_error(error_code::conflict,
                      "this node already runs " + std::to_string(max_exec_sessions)
                        + " exec commands, the most it runs at once");
  auto promise = self->make_response_promise<pb::ExecReply>();
  self->request(st.supervisor, std::chrono::seconds(10), atom::exec_v, req)
    .then(
      [=](const pb::ExecTarget& target) mutable {
        auto& st = self->state;
        auto id = new_session_id(st);
        auto session = self->spawn(exec_session, id, st.node.name(), target, req,
                                   caf::actor_cast<agent_actor>(self));
        self->monitor(session);
        st.exec_sessions.emplace(id, session);
        promise.delegate(session, atom::exec_v, req);
      },
      [=](const caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

bool end_exec_session(probed_pointer<agent_actor, agent_state> self,
                      const caf::actor_addr& source) {
  auto& sessions = self->state.exec_sessions;
  for (auto i = sessions.begin(); i != sessions.end(); ++i)
    if (i->second.address() == source) {
      sessions.erase(i);
      return true;
    }
  return false;
}

} // namespace troupe
