// Splitting a large proposal into entries of bounded size. A round that
// creates 10,000 tasks makes one change per task (each with its service's
// spec, ~1 KB); as one entry that is ~10 MB to fsync, send to every follower
// and apply in one go, long enough to hold up Raft heartbeats on a busy
// machine. Pure.
// Contract: the parts hold every change of the entry, in order, each part at
// most `max_bytes` of serialized changes (a single larger change goes in a
// part of its own); an entry within the bound comes back as one part. Parts
// commit one after another, so a reader may see the first parts applied
// before the rest: proposers that split (the service, scheduler and status
// rounds) only make changes that stand on their own.
#pragma once

#include <cstddef>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe {

constexpr size_t max_entry_bytes = 512 * 1024;

std::vector<pb::Entry> split_entry(pb::Entry entry,
                                   size_t max_bytes = max_entry_bytes);

} // namespace troupe
