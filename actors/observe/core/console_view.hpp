// Pure logic of the console (no CAF, no I/O): resolving an ACTOR argument (id
// or unique name prefix), sorting `top`, building and rendering the
// supervision tree, and the text tables of `ls`, `top`, `inspect` and
// `trace`. Works on the registry's snapshot (pb::ActorInfo).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::observe {

/// The id ACTOR names: a decimal id of a listed actor, an exact name, or a
/// name prefix matching exactly one actor. Otherwise nullopt and *error says
/// why in one sentence (listing the candidates of an ambiguous prefix).
std::optional<uint64_t> resolve_actor(const std::vector<pb::ActorInfo>& actors,
                                      std::string_view query, std::string* error);

enum class top_key { mailbox, rate, time, restarts };
std::optional<top_key> parse_top_key(std::string_view s);

/// Messages per second of each actor: the difference of two snapshots taken
/// `elapsed_ms` apart, or processed / age when there is no previous one.
std::map<uint64_t, double> message_rates(const std::vector<pb::ActorInfo>& now,
                                         const std::vector<pb::ActorInfo>* before,
                                         int64_t elapsed_ms, int64_t now_ms);

/// The `limit` (0 = all) actors with the largest `key`, largest first; ties
/// by id.
std::vector<pb::ActorInfo> sort_top(std::vector<pb::ActorInfo> actors, top_key key,
                                    const std::map<uint64_t, double>& rates,
                                    size_t limit);

/// One line of the tree: the actor and its depth (roots at 0), in display
/// order (children after their parent, by id).
struct tree_line {
  const pb::ActorInfo* actor;
  int depth;
  bool last;  // last child of its parent
};
std::vector<tree_line> build_tree(const std::vector<pb::ActorInfo>& actors);

std::string render_tree(const std::vector<pb::ActorInfo>& actors);
std::string render_list(const std::vector<pb::ActorInfo>& actors);
std::string render_top(const std::vector<pb::ActorInfo>& sorted,
                       const std::map<uint64_t, double>& rates);
std::string render_inspect(const pb::ActorInfo& a,
                           const std::vector<pb::ActorInfo>& all);
std::string render_trace(const std::vector<pb::ActorTraceRecord>& records,
                         uint64_t dropped);

/// "1.2ms", "3.40s" for a busy time in nanoseconds.
std::string format_busy(uint64_t ns);

} // namespace troupe::observe
