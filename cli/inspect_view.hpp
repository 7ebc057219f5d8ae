// The readable multi-line views of `service inspect` and `node inspect`:
// one "Label:  value" line per fact, empty facts left out.
#pragma once

#include <cstdint>
#include <string>

#include "messages/troupe.pb.h"

namespace troupe::cli {

std::string service_inspect_text(const pb::ServiceSummary& summary, int64_t now_ms);
std::string node_inspect_text(const pb::NodeSummary& summary, int64_t now_ms);

} // namespace troupe::cli
