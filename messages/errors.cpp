#include "messages/errors.hpp"

#include <caf/deep_to_string.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace troupe {

std::string error_message(const caf::error& err) {
  if (!err)
    return "";
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  if (err == caf::sec::request_timeout)
    return "no answer in time (are a majority of managers up?); a write may "
           "or may not have been applied";
  return caf::to_string(err);
}

} // namespace troupe
