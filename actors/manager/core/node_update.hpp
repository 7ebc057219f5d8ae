// An operator's change to one node (`troupe node drain|activate|update`):
// the rules shared by the API's check (queries.cpp) and the state machine
// (cluster_state_apply.cpp), so both accept exactly the same updates.
//
// A valid update names a node, has availability "" (unchanged), "active" or
// "drain", label keys that are non-empty and free of whitespace, and no key
// both added and removed. Labels are added (overwriting) first, then removed.
#pragma once

#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

/// A label key a node may carry: non-empty, no whitespace.
bool valid_label_key(const std::string& key);

/// One sentence saying what is wrong with `update`, or "" when it is valid.
/// Whether the node exists is the caller's question.
std::string node_update_problem(const pb::NodeUpdate& update);

/// Applies a valid `update` to `node`; false (node untouched) when it is
/// invalid or changes nothing. Does not touch timestamps.
bool apply_node_update(const pb::NodeUpdate& update, pb::Node* node);

} // namespace troupe
