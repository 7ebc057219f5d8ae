// What `troupe version` and `troupe --version` print: this client's build,
// the answering node's build, and one sentence when their API levels differ.
// Pure (the server's answer comes in as a value).
#pragma once

#include <cstdint>
#include <string>

#include "messages/troupe.pb.h"

namespace troupe::cli {

/// "troupe 0.1.0 (commit 45079c9, RelWithDebInfo, API level 2)".
std::string client_version_text();

/// The lines of `troupe version` for a node that answered.
std::string server_version_text(const pb::ServerVersion& server);

/// "" when the levels match; else one sentence saying which side is older
/// and what follows from it.
std::string api_level_sentence(uint32_t client_level, uint32_t server_level);

} // namespace troupe::cli
