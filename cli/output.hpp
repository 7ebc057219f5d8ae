// What the client commands print: aligned tables, the JSON objects that
// scripts rely on (field names are a contract, see docs/cli.md), RFC 3339
// times and short ages ("2m"). Pure functions: the current time comes in as
// `now_ms` so that output is testable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/troupe.pb.h"

namespace troupe::cli {

enum class output_format { table, json };

/// "table" or "json" -> the format; anything else -> nullopt-like false.
bool parse_output_format(const std::string& text, output_format* out);

using table_row = std::vector<std::string>;

/// Columns padded to the widest cell, separated by three spaces; the last
/// column is not padded; no trailing spaces. Every line ends with '\n'.
std::string render_table(const table_row& headers,
                         const std::vector<table_row>& rows);

/// Unix milliseconds -> "2024-05-01T12:00:03Z" (".250Z" when the
/// milliseconds are not zero); 0 -> "".
std::string format_rfc3339(int64_t unix_ms);

/// A coarse age: "0s".."59s", "1m".."59m", "1h".."47h", then days ("3d").
/// Negative values count as 0.
std::string format_age(int64_t age_ms);

/// pb::RUNNING -> "running" (every state lower-case).
std::string task_state_name(pb::TaskState state);

/// "image", "rootfs:/path" or the command joined by spaces, cut to `max`
/// characters with "..." at the end.
std::string service_program(const pb::ServiceSpec& spec, size_t max = 40);

// ---- JSON objects (see docs/cli.md for their fields) ----
nlohmann::json task_json(const pb::Task& task);
nlohmann::json service_summary_json(const pb::ServiceSummary& summary);
/// The summary plus the full spec and times, for `service inspect`.
nlohmann::json service_inspect_json(const pb::ServiceSummary& summary);
nlohmann::json node_summary_json(const pb::NodeSummary& summary);
nlohmann::json stack_summary_json(const pb::StackSummary& summary);

// ---- table rows ----
table_row task_headers();
table_row task_row(const pb::Task& task, int64_t now_ms);
table_row service_headers();
table_row service_row(const pb::ServiceSummary& summary);
table_row node_headers();
table_row node_row(const pb::NodeSummary& summary);
table_row stack_headers();
table_row stack_row(const pb::StackSummary& summary, int64_t now_ms);

} // namespace troupe::cli
