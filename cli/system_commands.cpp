// `troupe system df` and `troupe system prune [--until D] [--force]`: the
// disk a node's task folders and images take, and the removal of the folders
// of tasks no longer live there. Both ask the node named by --host about its
// own data dir (as `docker system df` asks one daemon).
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/disk_view.hpp"
#include "config/units.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

struct prune_options {
  client_options client;
  std::string until;  // a duration: folders last written longer ago than this
  bool force = false;
};

bool ask_disk(const client_options& o, const pb::DiskRequest& disk, pb::DiskReport* out) {
  pb::Request request;
  *request.mutable_disk() = disk;
  pb::Response response;
  if (!request_api(o, request, &response))
    return false;
  *out = response.disk();
  return true;
}

int system_df(const client_options& o) {
  pb::DiskReport report;
  if (!ask_disk(o, {}, &report))
    return 1;
  if (o.format == "json")
    print_json(disk_usage_json(report));
  else
    std::cout << disk_usage_text(report);
  return 0;
}

/// "y" or "yes" on stdin (the question on stdout, as docker asks it).
bool confirmed(const std::string& question) {
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer))
    return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

int system_prune(const prune_options& o) {
  pb::DiskRequest disk;
  disk.set_prune(true);
  std::string what = "the folders (logs included) of every task not live on the node";
  if (!o.until.empty()) {
    auto ago = parse_duration_ms(o.until);
    if (!ago || *ago <= 0)
      return fail("--until takes a duration such as 90m or 24h (folders last written "
                  "longer ago than that), not '" + o.until + "'");
    disk.set_until_ms(unix_now_ms() - *ago);
    what += " that nothing wrote to for " + format_duration_ms(*ago);
  }
  if (!o.force && !confirmed("WARNING! This removes " + what + ". Are you sure?"))
    return fail("nothing pruned: not confirmed (--force skips the question)");
  pb::DiskReport report;
  if (!ask_disk(o.client, disk, &report))
    return 1;
  if (o.client.format == "json")
    print_json(disk_usage_json(report));
  else
    std::cout << prune_text(report) << "\n";
  return 0;
}

} // namespace

void register_system_commands(CLI::App& app, int* exit_code) {
  auto* system = app.add_subcommand("system", "a node's disk use, and its cleanup");
  print_help_when_bare(system);

  auto df_opts = std::make_shared<client_options>();
  auto* df = system->add_subcommand(
    "df", "the disk a node's task folders, their logs and its images take");
  add_client_options(df, df_opts.get(), true);
  df->callback([df_opts, exit_code] { *exit_code = system_df(*df_opts); });

  auto pr = std::make_shared<prune_options>();
  auto* prune = system->add_subcommand(
    "prune", "remove the folders (and logs) of tasks no longer live on a node");
  prune->add_option("--until", pr->until,
                    "only folders nothing wrote to for this long (e.g. 24h)");
  prune->add_flag("-f,--force", pr->force, "do not ask for confirmation");
  add_client_options(prune, &pr->client, true);
  prune->callback([pr, exit_code] { *exit_code = system_prune(*pr); });
}

} // namespace troupe::cli
