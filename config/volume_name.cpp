#include "config/volume_name.hpp"

#include <cctype>

namespace troupe {

std::string volume_name(const pb::Task& task, const pb::Mount& mount) {
  const auto& driver = mount.spec().driver();
  if (!driver.empty() && driver != "local")
    return "";
  auto name = task.spec().stack() + "_" + mount.volume();
  if (task.slot() == 0)
    return name + "." + task.node();
  if (mount.spec().per_slot())
    return name + "." + std::to_string(task.slot());
  return name;
}

std::string volume_env_name(const std::string& key) {
  std::string out = "TROUPE_VOLUME_";
  for (char c : key)
    out += std::isalnum(static_cast<unsigned char>(c))
             ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
             : '_';
  return out;
}

} // namespace troupe
