// The images an OCI image layout holds (the oci driver's images_dir): the
// tags (org.opencontainers.image.ref.name annotations) of its index.json,
// sorted, without repeats, at most `max_listed_images`. The agent reports
// them in its node record (Node.images) and the scheduler places oci tasks
// only on nodes that hold their image (config/image_ref.hpp matches names).
#pragma once

#include <string>
#include <vector>

namespace troupe {

constexpr const char* default_images_dir = "/var/lib/troupe/images";
constexpr size_t max_listed_images = 1000;
constexpr size_t max_image_name_bytes = 256;

/// The tags in DIR/index.json; false (and *error) when there is no readable
/// OCI image layout at `dir`. Names longer than max_image_name_bytes are
/// left out.
bool list_images(const std::string& dir, std::vector<std::string>* names,
                 std::string* error);

} // namespace troupe
