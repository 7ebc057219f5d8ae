// Editing an OCI runtime config (a bundle's config.json) for troupe: process
// args/env/cwd, hostname, resource limits, cgroup path, host networking,
// and the task's volumes (bind mounts and tmpfs, read-only when asked).
// What the image says (umoci wrote its ENTRYPOINT+CMD as args, ENV, USER and
// WorkingDir into the config) stays unless the spec overrides it: a command
// replaces the args, env keys replace the image's, a working dir its cwd.
// Pure: JSON in, JSON out; the oci driver does the file I/O.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/driver.hpp"

namespace troupe {

/// Default PATH inside containers when the spec gives none.
inline constexpr const char* container_default_path
  = "/usr/sbin:/usr/bin:/sbin:/bin";

struct oci_config_input {
  const container_spec* spec = nullptr;
  std::string id;            // sanitized container id
  std::string cgroups_path;  // e.g. "/troupe/<id>"
  std::string rootfs;        // absolute root path ("" = keep "rootfs")
  bool readonly = false;     // also when spec->read_only
};

/// Applies the spec to `config` (an OCI runtime config as from umoci/runc).
void apply_container_spec(nlohmann::json& config, const oci_config_input& in);

/// A hostname from a container id: at most 12 of [A-Za-z0-9-].
std::string short_hostname(const std::string& id);

} // namespace troupe
