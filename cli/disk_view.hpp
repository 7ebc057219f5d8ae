// How `troupe system df` and `troupe system prune` print a node's
// pb::DiskReport: a table (task folders, of which logs, images; sizes in
// binary units, what prune would reclaim) or JSON. Pure: no I/O.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "messages/troupe.pb.h"

namespace troupe::cli {

std::string disk_usage_text(const pb::DiskReport& report);
nlohmann::json disk_usage_json(const pb::DiskReport& report);
/// "removed 3 task folders of node n1, 1.20MiB freed".
std::string prune_text(const pb::DiskReport& report);

} // namespace troupe::cli
