#include "actors/manager/gateway.hpp"

#include <chrono>

#include "messages/errors.hpp"
#include "runtime/thread_name.hpp"

namespace troupe {

namespace {

constexpr auto join_timeout = std::chrono::seconds(10);

} // namespace

gateway_actor::behavior_type
gateway(probed_pointer<gateway_actor, gateway_state> self, std::string cluster,
        std::string join_token, dispatcher_actor dispatcher, raft_actor raft) {
  name_this_thread("troupe.gateway");
  self->state.raft = std::move(raft);
  self->state.cluster = std::move(cluster);
  self->state.join_token = std::move(join_token);
  self->state.dispatcher = std::move(dispatcher);
  return {
    [=](atom::join, pb::Node node, const std::string& token,
        agent_actor agent) -> caf::result<dispatcher_actor> {
      auto& st = self->state;
      if (!st.join_token.empty() && token != st.join_token) {
        caf::aout(self) << "gateway: refused node '" << node.name()
                        << "': wrong join token" << std::endl;
        return caf::make_error(error_code::invalid_argument,
                               "wrong join token for cluster '" + st.cluster
                                 + "'");
      }
      auto promise = self->make_response_promise<dispatcher_actor>();
      auto dispatcher = st.dispatcher;
      self->request(st.raft, join_timeout, atom::leader_v)
        .then(
          [=](bool leading, gateway_actor leader) mutable {
            if (!leading) {
              promise.delegate(leader, atom::join_v, node, token, agent);
              return;
            }
            self->request(dispatcher, join_timeout, atom::join_v, node, agent)
              .then([=](bool) mutable { promise.deliver(dispatcher); },
                    [=](const caf::error& err) mutable { promise.deliver(err); });
          },
          [=](const caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [=](atom::raft, pb::RaftMessage m) {
      self->send(self->state.raft, atom::raft_v, std::move(m));
    },
    [=](atom::propose, pb::Entry entry) {
      return self->delegate(self->state.raft, atom::propose_v, std::move(entry));
    },
    [=](atom::logs, const pb::LogRequest& req) {
      return self->delegate(self->state.dispatcher, atom::logs_v, req);
    },
    [=](atom::exec, const pb::ExecRequest& req) {
      return self->delegate(self->state.dispatcher, atom::exec_v, req);
    },
    [=](atom::read, const pb::DiskRequest& req) {
      return self->delegate(self->state.dispatcher, atom::read_v, req);
    },
  };
}

} // namespace troupe
