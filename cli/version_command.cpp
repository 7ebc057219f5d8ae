// `troupe version`: this client's build, and the build and API level of the
// node that answers (when one does).
#include <iostream>
#include <memory>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/version_info.hpp"
#include "messages/build_info.hpp"

namespace troupe::cli {

namespace {

int version(const client_options& o) {
  std::cout << "Client:\n  version " << build_version() << " (commit " << build_commit()
            << ", " << build_type() << ", API level " << api_level << ")\n";
  pb::Request request;
  request.mutable_version();
  pb::Response response;
  std::string error;
  if (!call_api(api_address(o), request, &response, request_timeout_ms(o), &error)) {
    std::cout << "Server: none answered\n";
    return fail(error);
  }
  if (!response.has_server_version()) {
    // A node from before `troupe version` (API level 1) knows no such request.
    std::cout << "Server: API level 1 (older than `troupe version`)\n";
    return fail(api_level_sentence(api_level, 1));
  }
  std::cout << server_version_text(response.server_version());
  if (auto sentence = api_level_sentence(api_level, response.server_version().api_level());
      !sentence.empty())
    std::cerr << "troupe: " << sentence << "\n";
  return 0;
}

} // namespace

void register_version_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<client_options>();
  auto* sub = app.add_subcommand(
    "version", "this client's version, commit and build type, and the node's");
  add_client_options(sub, opts.get(), false);
  sub->callback([opts, exit_code] { *exit_code = version(*opts); });
}

} // namespace troupe::cli
