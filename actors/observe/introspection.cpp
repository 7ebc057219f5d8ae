#include "actors/observe/introspection.hpp"

#include <atomic>

#include <caf/error.hpp>
#include <caf/exit_reason.hpp>

#include "actors/observe/registry.hpp"

namespace troupe::observe {

namespace {

std::atomic<kill_hook> the_kill_hook{nullptr};

pb::Response error_response(const std::string& why) {
  pb::Response resp;
  resp.set_error(why);
  return resp;
}

} // namespace

void set_kill_hook(kill_hook hook) {
  the_kill_hook.store(hook);
}

bool is_console_request(const pb::Request& req) {
  switch (req.kind_case()) {
    case pb::Request::kActorList:
    case pb::Request::kActorInspect:
    case pb::Request::kActorTrace:
    case pb::Request::kActorKill:
      return true;
    default:
      return false;
  }
}

pb::Response answer_console(caf::actor_system& sys, const pb::Request& req) {
  auto* reg = registry_of(sys);
  if (reg == nullptr)
    return error_response("this node keeps no actor registry");
  pb::Response resp;
  *resp.mutable_console_node() = reg->node();
  switch (req.kind_case()) {
    case pb::Request::kActorList: {
      for (auto& a : reg->snapshot(sys))
        *resp.add_actors() = std::move(a);
      if (req.actor_list().include_failed())
        for (auto& a : reg->recently_failed())
          *resp.add_actors() = std::move(a);
      return resp;
    }
    case pb::Request::kActorInspect: {
      auto info = reg->inspect(req.actor_inspect(), sys);
      if (!info)
        return error_response("no actor with id "
                              + std::to_string(req.actor_inspect())
                              + " on this node");
      *resp.add_actors() = std::move(*info);
      return resp;
    }
    case pb::Request::kActorKill: {
      const auto& k = req.actor_kill();
      auto victim = reg->inspect(k.id(), sys);
      auto reason = k.reason().empty() ? std::string{"killed from the console"}
                                       : k.reason();
      auto why = reg->kill(k.id(), reason);
      if (!why.empty())
        return error_response(why);
      if (victim) {
        if (auto hook = the_kill_hook.load())
          hook(sys, *victim, reason);
        *resp.add_actors() = std::move(*victim);
      }
      return resp;
    }
    default:
      return error_response("the request is not a console request");
  }
}

std::string start_trace(caf::actor_system& sys,
                        const pb::ActorTraceRequest& req) {
  auto* reg = registry_of(sys);
  if (reg == nullptr)
    return "this node keeps no actor registry";
  if (req.duration_ms() == 0 || req.duration_ms() > 60000)
    return "a trace lasts between 1ms and 60s";
  if (!reg->start_trace(req.id(), std::chrono::milliseconds(req.duration_ms()),
                        req.max_per_second()))
    return "no actor with id " + std::to_string(req.id()) + " on this node";
  return {};
}

pb::Response finish_trace(caf::actor_system& sys, uint64_t id) {
  auto* reg = registry_of(sys);
  if (reg == nullptr)
    return error_response("this node keeps no actor registry");
  pb::Response resp;
  *resp.mutable_console_node() = reg->node();
  uint64_t dropped = 0;
  for (auto& r : reg->stop_trace(id, &dropped))
    *resp.add_trace() = std::move(r);
  resp.set_trace_dropped(dropped);
  return resp;
}

} // namespace troupe::observe
