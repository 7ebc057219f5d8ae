// Parsing of command arguments that CLI11 cannot check by itself. Each
// failure is one sentence for the user; nothing is sent to a node then.
#pragma once

#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::cli {

/// "web=3" "demo_db=0" -> ScaleService entries. Rejects a missing "=", an
/// empty name, a count that is not a whole number in 0..100000, and a
/// service named twice.
bool parse_scale_args(const std::vector<std::string>& args,
                      std::vector<pb::ScaleService>* out, std::string* error);

/// "5m", "90s" -> milliseconds (> 0); otherwise false with a sentence
/// naming the flag.
bool parse_timeout_flag(const std::string& flag, const std::string& text,
                        int64_t* out_ms, std::string* error);

} // namespace troupe::cli
