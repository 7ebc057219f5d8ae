// The cluster config (TOML) -> pb::ClusterConfig, validated as strictly as
// stack files. With no file at all, default_cluster_config() describes a
// standalone node: API on the unix socket ./troupe-data/api.sock (no TCP
// port unless an api_address is given), data in ./troupe-data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/limits.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

struct cluster_load_result {
  pb::ClusterConfig config;
  input_limits limits;  // [limits]: process-local, checked on every request
  std::string api_socket_group;  // [api] socket_group: owner group of DATA_DIR/api.sock
  std::vector<config_error> errors;
  bool ok() const { return errors.empty(); }
};

/// Reads and validates a cluster config file.
cluster_load_result load_cluster_config(const std::string& path);

/// Parses and validates cluster config TOML text; `source` names it in errors.
cluster_load_result parse_cluster_config(std::string_view text,
                                         const std::string& source);

/// The config used when none is given: one standalone manager named after
/// the host, no TCP API address (the local socket only), data dir
/// ./troupe-data, process driver.
pb::ClusterConfig default_cluster_config();

/// The effective settings of node `name`: [defaults] overlaid with its own
/// [nodes.NAME] table (if any), its manager entry's API address (if it is a
/// manager), the host's cpus/memory where none are given, and the name set.
pb::NodeConfig resolve_node(const pb::ClusterConfig& config,
                            const std::string& name);

} // namespace troupe
