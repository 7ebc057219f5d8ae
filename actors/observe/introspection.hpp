// The API side of the console: answers a node's introspection requests
// (Request.actor_list / actor_inspect / actor_trace / actor_kill) from the
// registry of its actor_system. A trace is answered later: start_trace()
// begins it and the API actor calls finish_trace() once its time is up.
// Traces carry message types, senders and element counts, never payloads.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "messages/troupe.pb.h"

namespace troupe::observe {

/// True for the requests answered here.
bool is_console_request(const pb::Request& req);

/// Answers list, inspect and kill at once. A trace that started gets an
/// empty optional-like response with `pending` set (see start_trace).
pb::Response answer_console(caf::actor_system& sys, const pb::Request& req);

/// A trace waiting for its end, held by the API actor with the request's
/// routing frames.
struct pending_trace {
  std::vector<std::string> envelope;
  uint64_t id = 0;
  std::chrono::steady_clock::time_point until;
};

/// Starts the trace `req.actor_trace()` asks for; an error sentence (and no
/// trace) for an unknown actor or a bad duration.
std::string start_trace(caf::actor_system& sys, const pb::ActorTraceRequest& req);

/// The records of a trace that ended.
pb::Response finish_trace(caf::actor_system& sys, uint64_t id);

/// Tells an events actor of a kill, when the node has one (hook set by
/// whoever owns events; no-op otherwise).
using kill_hook = void (*)(caf::actor_system& sys, const pb::ActorInfo& victim,
                           const std::string& reason);
void set_kill_hook(kill_hook hook);

} // namespace troupe::observe
