// `troupe volume ls|inspect|rm` and what `stack rm --volumes` does after
// the stack is gone: wait until no task uses its volumes, then remove them.
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

std::string driver_of(const pb::VolumeSpec& spec) {
  return spec.driver().empty() ? "local" : spec.driver();
}

nlohmann::json volume_json(const pb::VolumeSummary& s) {
  const auto& v = s.volume();
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : s.tasks())
    tasks.push_back(t);
  return {{"name", v.name()},       {"stack", v.stack()},
          {"driver", driver_of(v.spec())}, {"node", v.node()},
          {"node_state", s.node_state()},  {"pinned", !v.spec().unpinned()},
          {"per_slot", v.spec().per_slot()}, {"created_at", v.created_at()},
          {"updated_at", v.updated_at()},  {"tasks", tasks}};
}

bool list_volumes(const client_options& o, pb::Response* response) {
  pb::Request request;
  request.mutable_list_volumes();
  return request_api(o, request, response);
}

int volume_ls(const client_options& o) {
  pb::Response response;
  if (!list_volumes(o, &response))
    return 1;
  if (o.format == "json") {
    auto list = nlohmann::json::array();
    for (const auto& s : response.volumes())
      list.push_back(volume_json(s));
    print_json(list);
    return 0;
  }
  std::vector<table_row> rows;
  auto now = unix_now_ms();
  for (const auto& s : response.volumes()) {
    const auto& v = s.volume();
    rows.push_back({v.name(), v.stack(), driver_of(v.spec()),
                    v.node() + (s.node_state() == "ready" ? "" : " (" + (s.node_state().empty() ? std::string("gone") : s.node_state()) + ")"),
                    s.tasks_size() == 0 ? "-" : std::to_string(s.tasks_size()),
                    format_age(now - v.created_at())});
  }
  std::cout << render_table({"NAME", "STACK", "DRIVER", "NODE", "IN USE BY", "CREATED"}, rows);
  return 0;
}

int volume_inspect(const client_options& o, const std::string& name) {
  pb::Request request;
  request.set_inspect_volume(name);
  pb::Response response;
  if (!request_api(o, request, &response))
    return 1;
  if (response.volumes_size() == 0)
    return fail("no volume named " + name);
  const auto& s = response.volumes(0);
  if (o.format == "json") {
    print_json(volume_json(s));
    return 0;
  }
  const auto& v = s.volume();
  std::cout << "Name:     " << v.name() << "\n"
            << "Stack:    " << v.stack() << "\n"
            << "Driver:   " << driver_of(v.spec()) << "\n"
            << "Node:     " << v.node() << " (" << (s.node_state().empty() ? "gone" : s.node_state())
            << ")\n"
            << "Pinned:   " << (v.spec().unpinned() ? "no (pin = false)" : "yes") << "\n"
            << "Per slot: " << (v.spec().per_slot() ? "yes" : "no") << "\n"
            << "Created:  " << format_age(unix_now_ms() - v.created_at()) << " ago\n"
            << "Used by:  ";
  if (s.tasks_size() == 0)
    std::cout << "no task\n";
  for (int i = 0; i < s.tasks_size(); ++i)
    std::cout << (i ? ", " : "") << s.tasks(i) << (i + 1 == s.tasks_size() ? "\n" : "");
  return 0;
}

bool remove_volume(const client_options& o, const std::string& name, bool force) {
  pb::Request request;
  request.mutable_remove_volume()->set_name(name);
  request.mutable_remove_volume()->set_force(force);
  pb::Response response;
  if (!request_api(o, request, &response))
    return false;
  std::cout << "volume " << name << " removed\n";
  return true;
}

struct rm_options {
  client_options client;
  std::vector<std::string> names;
  bool force = false;
};

int volume_rm(const rm_options& o) {
  int status = 0;
  for (const auto& name : o.names)
    status |= remove_volume(o.client, name, o.force) ? 0 : 1;
  return status;
}

} // namespace

int remove_stack_volumes(const client_options& o, const std::string& stack) {
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(wait_timeout_ms(o, 120000));
  for (;;) {
    pb::Response response;
    if (!list_volumes(o, &response))
      return 1;
    std::vector<std::string> free, busy;
    for (const auto& s : response.volumes())
      if (s.volume().stack() == stack)
        (s.tasks_size() == 0 ? free : busy).push_back(s.volume().name());
    int status = 0;
    for (const auto& name : free)
      status |= remove_volume(o, name, false) ? 0 : 1;
    if (status != 0)
      return status;
    if (busy.empty())
      return 0;
    if (std::chrono::steady_clock::now() > deadline)
      return fail("volume " + busy[0] + " is still in use by a task of the removed stack; "
                  "remove it with `troupe volume rm " + busy[0] + "` once its tasks have stopped");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // its tasks are stopping
  }
}

void register_volume_commands(CLI::App& app, int* exit_code) {
  auto* volume = app.add_subcommand("volume", "list, inspect and remove volumes");
  print_help_when_bare(volume);

  auto ls_opts = std::make_shared<client_options>();
  auto* ls = volume->add_subcommand("ls", "list the local volumes of the cluster");
  add_client_options(ls, ls_opts.get(), true);
  ls->callback([ls_opts, exit_code] { *exit_code = volume_ls(*ls_opts); });

  auto in_opts = std::make_shared<client_options>();
  auto in_name = std::make_shared<std::string>();
  auto* in = volume->add_subcommand("inspect", "show one volume and the tasks that use it");
  in->add_option("NAME", *in_name, "volume name")->required();
  add_client_options(in, in_opts.get(), true);
  in->callback([=] { *exit_code = volume_inspect(*in_opts, *in_name); });

  auto rm = std::make_shared<rm_options>();
  auto* r = volume->add_subcommand("rm", "remove volumes and their data (refused while a task uses one)");
  r->add_option("NAME", rm->names, "volume names")->required();
  r->add_flag("-f,--force", rm->force,
              "forget a volume whose node is down or gone (its data stays on that node)");
  add_client_options(r, &rm->client, false);
  r->callback([rm, exit_code] { *exit_code = volume_rm(*rm); });
}

} // namespace troupe::cli
