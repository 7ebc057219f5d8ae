// The exec session actor: one `troupe exec` command on a worker, spawned by
// the agent with how to run it in its task (pb::ExecTarget, from the task
// actor) and driven by the client's rounds. It owns the command's
// exec_pump. An input-only round writes stdin (and a signal, a size) and is
// answered at once; an output round is answered with what the command wrote
// since the last one as soon as there is some, or when its wait_ms runs out
// (one held at a time: a newer one answers the older empty). A reply holds
// at most 256 KiB of each stream; the rest stays buffered in the pump, which
// stops reading from the command until it is taken.
// Contract: the reply that says `exited` is the last, and the session quits
// after it; a session without a round for 30 s (its client is gone) kills
// its command and quits, as does every session when its agent ends (the
// node stops). A command that could not start fails the first
// round with the sentence.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/observe/probe.hpp"
#include "runtime/exec_pump.hpp"

namespace troupe {

/// How long a session lives without a round from its client.
constexpr auto exec_idle = std::chrono::seconds(30);
/// Output of each stream in one reply.
constexpr size_t exec_reply_bytes = 256 << 10;

struct exec_session_state {
  static inline const char* name = "exec session";
  uint64_t id = 0;
  std::string task, node;
  std::unique_ptr<exec_pump> pump;
  std::string start_error;        // the command could not start
  std::optional<caf::typed_response_promise<pb::ExecReply>> held;
  uint64_t rounds = 0;            // output rounds so far (the held one's number)
  std::chrono::steady_clock::time_point last_round;  // when the newest round came
};

exec_session_actor::behavior_type
exec_session(probed_pointer<exec_session_actor, exec_session_state> self, uint64_t id,
             std::string node, pb::ExecTarget target, pb::ExecRequest start,
             agent_actor agent);

} // namespace troupe
