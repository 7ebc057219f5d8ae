// The scheduler's pure core: pending tasks + a snapshot of nodes and live
// tasks -> one assignment per pending task. No I/O, no clock.
//
// Filters, in order: the preset node of a global task; node ready;
// availability active; the service's driver is one the node runs; an oci
// task's image is one the node holds (Node.images, matched as
// config/image_ref.hpp says); constraints; free cpus and memory (offered
// minus reservations of live tasks on the node; offered 0 means unlimited);
// enough free host ports in the node's range.
// Ranking among the nodes that pass: fewest live tasks of the same service
// (spread), then fewest live tasks overall, then name.
// Host ports: one per named port, the lowest free ones in the node's range.
// A task that fits nowhere gets node "" and a message in plain words, e.g.
// "no suitable node (2 nodes): 1 lacks memory (needs 512MiB, 256MiB free);
//  1 does not meet node.labels.zone == eu".
// When the image is all that is missing: "no node holds image busybox:1.36
// (2 nodes checked; build or load it into each node's images_dir)".
// Tasks placed earlier in the same call count against later ones.
//
// Volumes (issue 14): a task whose local volume already exists goes to the
// node that holds it ("assigned to node N, which holds its volume V"); if
// that node cannot take it, the task waits ("waiting for node N, which
// holds its volume V: it is not ready"), unless the volume says pin = false,
// when the node is only preferred. A volume first placed in this call draws
// the later tasks that mount it. A bind volume needs a node whose
// bind_prefixes hold its path.
#pragma once

#include <vector>

#include "actors/manager/core/persistent_map.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

struct placement_input {
  std::vector<const pb::Node*> nodes;
  std::vector<const pb::Task*> live_tasks;  // assigned, not terminal
  std::vector<const pb::Task*> pending;     // to place, in this order
  const persistent_map<pb::Volume>* volumes = nullptr; // where local volumes live
};

std::vector<pb::TaskAssignment> place(const placement_input& in);

/// True unless `spec` runs an oci image (not a rootfs) that `node` does not
/// hold: the scheduler's image filter, also used by the API at deploy.
bool node_holds_image(const pb::Node& node, const pb::ServiceSpec& spec);
/// Does the service run an image a node must hold (oci, image, no rootfs)?
bool needs_image(const pb::ServiceSpec& spec);
/// True if every bind volume `spec` mounts is under one of the node's
/// bind_prefixes (a path equal to a prefix, or below it).
bool allows_binds(const pb::Node& node, const pb::ServiceSpec& spec);

} // namespace troupe
