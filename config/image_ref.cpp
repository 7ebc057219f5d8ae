#include "config/image_ref.hpp"

namespace troupe {

std::vector<std::string> image_names(const std::string& image) {
  std::vector<std::string> out{image};
  auto colon = image.rfind(':');
  auto slash = image.rfind('/');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!tagged)
    out.push_back(image + ":latest");
  else if (image.compare(colon + 1, std::string::npos, "latest") == 0)
    out.push_back(image.substr(0, colon));
  return out;
}

} // namespace troupe
