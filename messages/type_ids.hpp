// CAF type registration and atoms for every message that travels between
// troupe's actors. Protobuf types go through messages/proto_inspect.hpp.
// Register with: cfg.add_message_types<caf::id_block::troupe>().
#pragma once

#include <string>
#include <vector>

#include <caf/type_id.hpp>

#include "messages/proto_inspect.hpp"
#include "messages/troupe.pb.h"

CAF_BEGIN_TYPE_ID_BLOCK(troupe, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Entry))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::ClusterSnapshot))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Task))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::TaskStatus))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Node))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Assignments))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::StatusReport))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::LogRequest))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::LogChunk))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Request))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Response))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::RaftMessage))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::ClusterStatus))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::Event))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::EventsRequest))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::EventsReply))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::RouteTable))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::PortStatus))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::DiskRequest))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::DiskReport))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::ExecRequest))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::ExecReply))
  CAF_ADD_TYPE_ID(troupe, (troupe::pb::ExecTarget))

  CAF_ADD_ATOM(troupe, troupe::atom, propose, "propose")
  CAF_ADD_ATOM(troupe, troupe::atom, snapshot, "snapshot")
  CAF_ADD_ATOM(troupe, troupe::atom, subscribe, "subscribe")
  CAF_ADD_ATOM(troupe, troupe::atom, committed, "committed")
  CAF_ADD_ATOM(troupe, troupe::atom, reconcile, "reconcile")
  CAF_ADD_ATOM(troupe, troupe::atom, schedule, "schedule")
  CAF_ADD_ATOM(troupe, troupe::atom, join, "join")
  CAF_ADD_ATOM(troupe, troupe::atom, status, "status")
  CAF_ADD_ATOM(troupe, troupe::atom, assign, "assign")
  CAF_ADD_ATOM(troupe, troupe::atom, logs, "logs")
  CAF_ADD_ATOM(troupe, troupe::atom, run, "run")
  CAF_ADD_ATOM(troupe, troupe::atom, stop, "stop")
  CAF_ADD_ATOM(troupe, troupe::atom, tick, "tick")
  CAF_ADD_ATOM(troupe, troupe::atom, flush, "flush")
  CAF_ADD_ATOM(troupe, troupe::atom, request, "request")
  CAF_ADD_ATOM(troupe, troupe::atom, restart, "restart")
  CAF_ADD_ATOM(troupe, troupe::atom, exited, "exited")
  CAF_ADD_ATOM(troupe, troupe::atom, poll, "poll")
  CAF_ADD_ATOM(troupe, troupe::atom, shutdown, "shutdown")
  CAF_ADD_ATOM(troupe, troupe::atom, kill, "kill")
  CAF_ADD_ATOM(troupe, troupe::atom, heartbeat, "heartbeat")
  CAF_ADD_ATOM(troupe, troupe::atom, raft, "raft")
  CAF_ADD_ATOM(troupe, troupe::atom, apply, "apply")
  CAF_ADD_ATOM(troupe, troupe::atom, restore, "restore")
  CAF_ADD_ATOM(troupe, troupe::atom, read, "read")
  CAF_ADD_ATOM(troupe, troupe::atom, leader, "leader")
  CAF_ADD_ATOM(troupe, troupe::atom, compact, "compact")
  CAF_ADD_ATOM(troupe, troupe::atom, connect, "connect")
  CAF_ADD_ATOM(troupe, troupe::atom, route, "route")
  CAF_ADD_ATOM(troupe, troupe::atom, publish, "publish")
  CAF_ADD_ATOM(troupe, troupe::atom, exec, "exec")
  CAF_ADD_ATOM(troupe, troupe::atom, pause, "pause")

CAF_END_TYPE_ID_BLOCK(troupe)
