// `troupe service create NAME ...` and `troupe service rm SERVICE...`:
// services outside a stack file. A created service joins the stack named
// `default` (service_flags.hpp); both commands change a stack by reading it
// (inspect_stack) and deploying it again with --check-index semantics, so a
// concurrent change of the same stack is never overwritten: the command
// reads and tries again (a few times), or says so.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/converge_wait.hpp"
#include "cli/interrupt.hpp"
#include "cli/service_flags.hpp"

namespace troupe::cli {

namespace {

constexpr int max_attempts = 3;

struct create_options {
  client_options client;
  create_flags flags;
  bool detach = false;
};

struct rm_options {
  client_options client;
  std::vector<std::string> names;
};

enum class write_result { done, conflict, failed };

// Deploys `specs` as stack `name` if it is still at `index` (or removes the
// stack when `specs` is empty).
write_result write_stack(const client_options& o, const std::string& name, uint64_t index,
                         const std::vector<pb::ServiceSpec>& specs) {
  pb::Request request;
  if (specs.empty()) {
    request.set_remove_stack(name);
  } else {
    auto* stack = request.mutable_deploy_stack();
    stack->set_name(name);
    for (const auto& spec : specs)
      *stack->add_services() = spec;
    request.mutable_deploy_check()->set_index(index);
  }
  pb::Response response;
  std::string error;
  if (!call_api(api_address(o), request, &response, request_timeout_ms(o), &error)) {
    fail(error);
    return write_result::failed;
  }
  if (response.error().rfind("stack '" + name + "' changed since the plan", 0) == 0)
    return write_result::conflict;
  if (!response.error().empty()) {
    fail(response.error());
    return write_result::failed;
  }
  return write_result::done;
}

int service_create(const create_options& o) {
  pb::ServiceSpec spec;
  std::vector<std::string> errors;
  if (!spec_from_flags(o.flags, &spec, &errors)) {
    for (const auto& e : errors)
      fail("service create: " + e);
    return 1;
  }
  for (int attempt = 1;; ++attempt) {
    stored_stack now;
    if (!read_stored_stack(o.client, default_stack, &now))
      return 1;
    for (const auto& s : now.specs)
      if (s.name() == spec.name())
        return fail("service " + spec.name()
                    + " exists already; `troupe service update` changes it");
    auto specs = now.specs;
    specs.push_back(spec);
    auto result = write_stack(o.client, default_stack, now.index, specs);
    if (result == write_result::failed)
      return 1;
    if (result == write_result::done)
      break;
    if (attempt == max_attempts)
      return fail("stack " + std::string(default_stack) + " kept changing while service "
                  + spec.name() + " was created; nothing was changed, try again");
  }
  if (!o.detach) {
    install_interrupt_handler();
    wait_options wait;
    wait.address = api_address(o.client);
    wait.timeout_ms = wait_timeout_ms(o.client, 5 * 60 * 1000);
    wait.api_timeout_ms = api_timeout_ms;
    std::string error;
    if (!wait_for_convergence(wait, {spec.name()}, std::cout, &error))
      return fail(error);
  }
  std::cout << "service " << spec.name() << (o.detach ? " creating" : " created") << "\n";
  return 0;
}

int service_rm(const rm_options& o) {
  // Every name is checked first: an unknown one removes nothing.
  std::map<std::string, std::vector<std::string>> by_stack;
  for (const auto& name : o.names) {
    pb::Request request;
    request.set_inspect_service(name);
    pb::Response response;
    if (!request_api(o.client, request, &response))
      return 1;
    if (response.services_size() == 0)
      return fail("no service named " + name);
    by_stack[response.services(0).service().spec().stack()].push_back(name);
  }
  for (const auto& [stack, names] : by_stack) {
    for (int attempt = 1;; ++attempt) {
      stored_stack now;
      if (!read_stored_stack(o.client, stack, &now))
        return 1;
      std::vector<pb::ServiceSpec> kept;
      for (const auto& s : now.specs)
        if (std::find(names.begin(), names.end(), s.name()) == names.end())
          kept.push_back(s);
      if (kept.size() == now.specs.size())
        break;  // gone already
      auto result = write_stack(o.client, stack, now.index, kept);
      if (result == write_result::failed)
        return 1;
      if (result == write_result::done)
        break;
      if (attempt == max_attempts)
        return fail("stack " + stack + " kept changing; its services were not removed, "
                    "try again");
    }
    for (const auto& name : names)
      std::cout << "service " << name << " removed\n";
  }
  return 0;
}

} // namespace

void register_service_create_commands(CLI::App* service, int* exit_code) {
  auto c = std::make_shared<create_options>();
  auto& f = c->flags;
  auto* cr = service->add_subcommand(
    "create", "run a service outside any stack file (it joins the stack named default)");
  cr->add_option("NAME", f.name, "service name; the service is default_NAME")->required();
  cr->add_option("--image", f.image, "oci image (implies --driver oci)");
  cr->add_option("--command", f.command, "program and arguments, e.g. \"sleep 3600\"");
  cr->add_option("--driver", f.driver, "process (default) or oci");
  cr->add_option("--mode", f.mode, "replicated (default), global, replicated-job, global-job");
  cr->add_option("--replicas", f.replicas, "tasks to run (default 1)");
  cr->add_option("--env", f.env, "environment variable KEY=VALUE (repeatable)")
    ->allow_extra_args(false);
  cr->add_option("--publish", f.publish,
                 "publish a port [NAME=]PUBLISHED:TARGET, e.g. 8080:80 (repeatable)")
    ->allow_extra_args(false);
  cr->add_option("--constraint", f.constraints,
                 "placement constraint, e.g. node.labels.zone==a (repeatable)")
    ->allow_extra_args(false);
  cr->add_option("--label", f.labels, "service label KEY=VALUE (repeatable)")
    ->allow_extra_args(false);
  cr->add_flag("-d,--detach", c->detach, "do not wait for the service to run");
  add_waiting_client_options(cr, &c->client);  // --timeout: the wait (default 5m)
  cr->callback([c, exit_code] { *exit_code = service_create(*c); });

  auto r = std::make_shared<rm_options>();
  auto* rm = service->add_subcommand(
    "rm", "remove services (of any stack; a stack left empty is removed)");
  rm->add_option("SERVICE", r->names, "full service names (STACK_SERVICE)")->required();
  add_client_options(rm, &r->client, false);
  rm->callback([r, exit_code] { *exit_code = service_rm(*r); });
}

} // namespace troupe::cli
