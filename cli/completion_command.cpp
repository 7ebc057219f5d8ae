// `troupe completion bash|zsh|fish` and the hidden `troupe __names KIND`
// that the scripts call for the names of stacks, services, tasks and nodes.
#include <chrono>
#include <iostream>
#include <memory>
#include <set>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/completion.hpp"

namespace troupe::cli {

namespace {

// The names of KIND, one a line; nothing (exit 1) when no node answers in time.
int names(const client_options& o, const std::string& kind) {
  pb::Request request;
  if (kind == "stack")
    request.mutable_list_stacks();
  else if (kind == "service" || kind == "task")
    request.mutable_list_services();
  else
    request.mutable_list_nodes();
  pb::Response response;
  std::string error;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(names_timeout_ms);
  auto left = [&] {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count());
  };
  if (!call_api(api_address(o), request, &response, names_timeout_ms, &error)
      || !response.error().empty())
    return 1;
  std::set<std::string> out;
  for (const auto& s : response.stacks())
    out.insert(s.name());
  for (const auto& n : response.nodes())
    out.insert(n.node().name());
  for (const auto& s : response.services())
    out.insert(s.service().spec().name());
  if (kind == "task") {
    // One request per service: the tasks of as many services as the
    // budget allows.
    std::set<std::string> tasks;
    for (const auto& service : out) {
      pb::Request ps;
      ps.set_service_ps(service);
      pb::Response r;
      if (left() <= 0 || !call_api(api_address(o), ps, &r, left(), &error))
        break;
      for (const auto& t : r.tasks())
        tasks.insert(t.id());
      if (tasks.size() > 1000)
        break;
    }
    out = tasks;
  }
  for (const auto& name : out)
    std::cout << name << "\n";
  return 0;
}

} // namespace

void register_completion_command(CLI::App& app, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
    "completion", "print a shell completion script: bash, zsh or fish "
                  "(e.g. source <(troupe completion bash))");
  sub->add_option("SHELL", *shell, "bash, zsh or fish")
    ->required()
    ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  CLI::App* root = &app;
  sub->callback([root, shell, exit_code] {
    std::cout << completion_script(completion_tree(*root), *shell);
    *exit_code = 0;
  });

  auto opts = std::make_shared<client_options>();
  auto kind = std::make_shared<std::string>();
  auto* hidden = app.add_subcommand("__names", "names for shell completion");
  hidden->group("");  // not in the help, not completed
  hidden->add_option("KIND", *kind)->required()->check(
    CLI::IsMember({"stack", "service", "task", "node"}));
  add_client_options(hidden, opts.get(), false);
  hidden->callback([opts, kind, exit_code] { *exit_code = names(*opts, *kind); });
}

} // namespace troupe::cli
