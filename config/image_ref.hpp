// Image references as the oci driver, the scheduler and the API read them.
// "NAME" and "NAME:latest" name the same image (as in Docker); any other tag
// must match exactly. A tag is what follows the last ':' after the last '/'
// ("host:5000/app" has none). Pure: no I/O.
#pragma once

#include <string>
#include <vector>

namespace troupe {

/// The names under which an image store may hold `image`, exact first:
/// "busybox:latest" -> {"busybox:latest", "busybox"}; "busybox" ->
/// {"busybox", "busybox:latest"}; "busybox:1.36" -> {"busybox:1.36"}.
std::vector<std::string> image_names(const std::string& image);

/// The first name of image_names(image) that `held` lists, or "".
template <class Names>
std::string find_image(const Names& held, const std::string& image) {
  for (const auto& name : image_names(image))
    for (const auto& h : held)
      if (h == name)
        return name;
  return "";
}

} // namespace troupe
