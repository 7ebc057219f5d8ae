// Durations ("500ms", "2s", "1m", "1h", "1m30s") and sizes ("64MiB", "1GiB",
// "512KiB", "1GB", "4096" bytes). Parsing fails on anything else, including
// negative values and overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe {

/// Milliseconds, or nullopt if `text` is not a valid duration.
std::optional<int64_t> parse_duration_ms(std::string_view text);

/// Bytes, or nullopt if `text` is not a valid size.
std::optional<int64_t> parse_size_bytes(std::string_view text);

/// The shortest exact rendering: 1500 -> "1.5s", 60000 -> "1m", 250 -> "250ms".
std::string format_duration_ms(int64_t ms);

/// 33554432 -> "32MiB", 1536 -> "1.5KiB", 100 -> "100B".
std::string format_size_bytes(int64_t bytes);

} // namespace troupe
