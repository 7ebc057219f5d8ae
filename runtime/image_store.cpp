#include "runtime/image_store.hpp"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

namespace troupe {

namespace {
constexpr const char* ref_name_key = "org.opencontainers.image.ref.name";
} // namespace

bool list_images(const std::string& dir, std::vector<std::string>* names,
                 std::string* error) {
  names->clear();
  std::ifstream in(dir + "/index.json");
  auto index = nlohmann::json::parse(in, nullptr, false);
  if (index.is_discarded() || !index.is_object() || !index.contains("manifests")
      || !index["manifests"].is_array()) {
    *error = "no OCI image layout at " + dir;
    return false;
  }
  for (const auto& m : index["manifests"]) {
    if (!m.is_object() || !m.contains("annotations") || !m["annotations"].is_object())
      continue;
    const auto& a = m["annotations"];
    if (!a.contains(ref_name_key) || !a[ref_name_key].is_string())
      continue;
    auto name = a[ref_name_key].get<std::string>();
    if (!name.empty() && name.size() <= max_image_name_bytes)
      names->push_back(std::move(name));
  }
  std::sort(names->begin(), names->end());
  names->erase(std::unique(names->begin(), names->end()), names->end());
  if (names->size() > max_listed_images)
    names->resize(max_listed_images);
  return true;
}

} // namespace troupe
