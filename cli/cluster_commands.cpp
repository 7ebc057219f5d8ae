// `troupe cluster status`: the managers' Raft view, as the answering manager
// sees it: leader, term, commit and applied index, and every member's state
// and match index.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"

namespace troupe::cli {

namespace {

nlohmann::json status_json(const pb::ClusterStatus& s) {
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : s.members())
    members.push_back({{"name", m.name()},
                       {"address", m.address()},
                       {"state", m.state()},
                       {"match_index", m.match_index()}});
  return {{"leader", s.leader()},
          {"term", s.term()},
          {"commit_index", s.commit_index()},
          {"applied_index", s.applied_index()},
          {"answered_by", s.answered_by()},
          {"members", members}};
}

int cluster_status(const client_options& o) {
  pb::Request request;
  request.mutable_cluster_status();
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  const auto& s = response.cluster();
  if (o.format == "json") {
    print_json(status_json(s));
    return 0;
  }
  std::cout << "leader: " << (s.leader().empty() ? "(none)" : s.leader())
            << "  term: " << s.term() << "  commit: " << s.commit_index()
            << "  applied: " << s.applied_index() << "  (answered by "
            << s.answered_by() << ")\n";
  std::vector<table_row> rows;
  for (const auto& m : s.members())
    rows.push_back({m.name(), m.address().empty() ? "-" : m.address(), m.state(),
                    std::to_string(m.match_index())});
  std::cout << render_table({"NAME", "ADDRESS", "STATE", "MATCH"}, rows);
  return 0;
}

} // namespace

void register_cluster_commands(CLI::App& app, int* exit_code) {
  auto* cluster = app.add_subcommand("cluster", "the replicated managers");
  print_help_when_bare(cluster);
  auto opts = std::make_shared<client_options>();
  auto* status = cluster->add_subcommand(
    "status", "leader, term, commit and applied index, and every manager");
  add_client_options(status, opts.get(), true);
  status->callback([opts, exit_code] { *exit_code = cluster_status(*opts); });
}

} // namespace troupe::cli
