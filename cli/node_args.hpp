// Arguments of `troupe node update`: --label-add K=V and --label-rm K,
// checked before anything is sent. Each failure is one sentence.
#pragma once

#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::cli {

/// Fills update->labels_add / labels_rm from the flags' values. Rejects an
/// add without "=", an empty key or one with spaces, a key added twice, a
/// key both added and removed, and no flag at all. Values may be empty.
bool parse_label_args(const std::vector<std::string>& adds,
                      const std::vector<std::string>& removes,
                      pb::NodeUpdate* update, std::string* error);

} // namespace troupe::cli
