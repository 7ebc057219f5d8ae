// `troupe service logs`' pure parts: what --since means, and how a chunk of
// log lines is printed (ordered by the time the shim read them, across the
// service's tasks and nodes; with --timestamps, that time in front).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "messages/troupe.pb.h"

namespace troupe::cli {

/// --since: a duration back from now ("10m", "1h") or a UTC time
/// ("2026-12-04T20:00:00Z", fractions allowed); unix ms, or nullopt.
std::optional<int64_t> parse_since_ms(std::string_view text, int64_t now_ms);

/// "TASK | text" per line ("TIME TASK | text" with timestamps), oldest first;
/// lines of unknown time keep their order, before the stamped ones.
std::string log_lines_text(const pb::LogChunk& chunk, bool timestamps);

} // namespace troupe::cli
