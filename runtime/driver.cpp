#include "runtime/driver.hpp"

#include <cstdlib>
#include <filesystem>

#include "runtime/child_process.hpp"
#include "runtime/oci_driver.hpp"
#include "runtime/process_driver.hpp"
#include "runtime/sim_driver.hpp"

namespace troupe {

bool prepare_mount_sources(const container_spec& spec, std::string* error) {
  for (const auto& m : spec.mounts) {
    if (m.type != "bind")
      continue;
    if (m.create) {
      if (!make_dirs(m.source, error))
        return false;
      continue;
    }
    std::error_code ec;
    if (!std::filesystem::exists(m.source, ec)) {
      *error = "bind volume path " + m.source + " does not exist on this node";
      return false;
    }
  }
  return true;
}

std::unique_ptr<driver> make_driver(const std::string& name,
                                    const driver_options& options,
                                    std::string* error) {
  if (name == "process")
    return std::make_unique<process_driver>(options);
  if (name == "oci") {
    const char* path = std::getenv("PATH");
    for (const char* tool : {"runc", "umoci"}) {
      if (find_executable(tool, path ? path : "").empty()) {
        *error = std::string("the oci driver needs '") + tool
                 + "' on PATH (install it with scripts/install-deps.sh)";
        return nullptr;
      }
    }
    return std::make_unique<oci_driver>(options);
  }
  if (name == "sim")
    return std::make_unique<sim_driver>();
  *error = "unknown container driver '" + name + "' (use process, oci or sim)";
  return nullptr;
}

} // namespace troupe
