#include "cli/version_info.hpp"

#include "messages/build_info.hpp"

namespace troupe::cli {

std::string client_version_text() {
  return std::string("troupe ") + build_version() + " (commit " + build_commit() + ", "
         + build_type() + ", API level " + std::to_string(api_level) + ")";
}

std::string server_version_text(const pb::ServerVersion& s) {
  std::string who = s.node().empty() ? "" : " " + s.node();
  if (!s.role().empty())
    who += " (" + s.role() + ")";
  return "Server:" + who + "\n  version " + s.version() + " (commit "
         + (s.commit().empty() ? "unknown" : s.commit()) + ", " + s.build_type()
         + ", API level " + std::to_string(s.api_level()) + ")\n";
}

std::string api_level_sentence(uint32_t client_level, uint32_t server_level) {
  if (client_level == server_level)
    return "";
  if (client_level > server_level)
    return "this client speaks API level " + std::to_string(client_level)
           + " and the node " + std::to_string(server_level)
           + ": requests the node does not know are refused with a sentence; "
             "upgrade the node to use them";
  return "this client speaks API level " + std::to_string(client_level)
         + " and the node " + std::to_string(server_level)
         + ": the node's newer answers may carry what this client cannot show; "
           "upgrade the client";
}

} // namespace troupe::cli
