#include <iostream>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"

namespace troupe::cli {

void add_client_options(CLI::App* sub, client_options* options, bool with_format) {
  sub->add_option("--host", options->host,
                  "node API address HOST:PORT or ipc://PATH (default $TROUPE_HOST, else ./troupe-data/api.sock)");
  if (with_format)
    sub->add_option("--format", options->format, "output format: table or json")
        ->check(CLI::IsMember({"table", "json"}));
}

int fail(const std::string& sentence) {
  std::cerr << "troupe: " << sentence << "\n";
  return 1;
}

std::string api_address(const client_options& options) {
  return resolve_api_address(options.host);
}

bool request_api(const client_options& options, const pb::Request& request,
                 pb::Response* response) {
  std::string error;
  if (!call_api(api_address(options), request, response, api_timeout_ms, &error)) {
    fail(error);
    return false;
  }
  if (!response->error().empty()) {
    fail(response->error());
    return false;
  }
  return true;
}

void print_tasks(const pb::Response& response, const std::string& format) {
  if (format == "json") {
    auto list = nlohmann::json::array();
    for (const auto& task : response.tasks())
      list.push_back(task_json(task));
    print_json(list);
    return;
  }
  int64_t now = now_unix_ms();
  std::vector<table_row> rows;
  for (const auto& task : response.tasks())
    rows.push_back(task_row(task, now));
  std::cout << render_table(task_headers(), rows);
}

void print_json(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

} // namespace troupe::cli
