// `troupe service update` and `troupe service rollback`: build the request,
// send it, then wait for the rollout and show its progress (-d: return at
// once).
#include <iostream>
#include <memory>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/converge_wait.hpp"
#include "cli/interrupt.hpp"
#include "cli/update_wait.hpp"
#include "config/units.hpp"

namespace troupe::cli {

namespace {

bool parse_uint(const std::string& text, uint32_t max, uint32_t* out) {
  if (text.empty() || text.size() > 9)
    return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max)
    return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

struct update_options {
  client_options client;
  update_flags flags;
  bool detach = false;
};

struct rollback_options {
  client_options client;
  std::string service;
  bool detach = false;
};

int finish_wait(const client_options& client, const std::string& service,
                bool rollback, bool detach, bool scale_only = false) {
  int64_t timeout_ms = wait_timeout_ms(client, 10 * 60 * 1000);
  std::string error;
  if (detach) {
    std::cout << "service " << service
              << (rollback ? " rolling back" : " updating") << "\n";
    return 0;
  }
  install_interrupt_handler();
  wait_options wait;
  wait.address = api_address(client);
  wait.timeout_ms = timeout_ms;
  wait.api_timeout_ms = api_timeout_ms;
  // A new replica count alone starts no rollout: wait as `service scale` does.
  bool ok = scale_only
              ? wait_for_convergence(wait, {service}, std::cout, &error)
              : wait_for_update(wait, service, rollback, std::cout, &error);
  if (!ok)
    return fail(error);
  std::cout << "service " << service
            << (rollback ? " rolled back" : " updated") << "\n";
  return 0;
}

int service_update(const update_options& o) {
  pb::Request request;
  std::string error;
  if (!build_update_request(o.flags, request.mutable_update_service(), &error))
    return fail(error);
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  const auto& u = request.update_service();
  bool scale_only = u.set_replicas() && u.image().empty() && !u.set_command()
                    && u.env_add().empty() && u.env_rm().empty()
                    && !u.set_update() && !u.force();
  return finish_wait(o.client, o.flags.service, false, o.detach,
                     scale_only);
}

int service_rollback(const rollback_options& o) {
  pb::Request request;
  request.set_rollback_service(o.service);
  pb::Response response;
  if (!request_api(o.client, request, &response))
    return 1;
  return finish_wait(o.client, o.service, true, o.detach);
}

} // namespace

bool split_words(const std::string& text, std::vector<std::string>* out,
                 std::string* error) {
  out->clear();
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word)
        out->push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) {
    *error = "--command has an unclosed " + std::string(1, quote) + " quote";
    return false;
  }
  if (in_word)
    out->push_back(word);
  return true;
}

bool build_update_request(const update_flags& f, pb::ServiceUpdateRequest* out,
                          std::string* error) {
  out->set_service(f.service);
  out->set_image(f.image);
  if (!f.command.empty()) {
    std::vector<std::string> words;
    if (!split_words(f.command, &words, error))
      return false;
    if (words.empty()) {
      *error = "--command needs at least one word";
      return false;
    }
    out->set_set_command(true);
    for (auto& w : words)
      out->add_command(w);
  }
  for (const auto& kv : f.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "--env needs KEY=VALUE, got '" + kv + "'";
      return false;
    }
    (*out->mutable_env_add())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& k : f.env_rm)
    out->add_env_rm(k);
  if (!f.replicas.empty()) {
    uint32_t n = 0;
    if (!parse_uint(f.replicas, 100000, &n)) {
      *error = "--replicas must be a count between 0 and 100000, got '"
               + f.replicas + "'";
      return false;
    }
    out->set_set_replicas(true);
    out->set_replicas(n);
  }
  auto* u = out->mutable_update();
  bool policy = false;
  if (!f.parallelism.empty()) {
    uint32_t n = 0;
    if (!parse_uint(f.parallelism, 100000, &n) || n == 0) {
      *error = "--update-parallelism must be a count of at least 1, got '"
               + f.parallelism + "'";
      return false;
    }
    u->set_parallelism(n);
    policy = true;
  }
  for (auto [flag, text, set] :
       {std::make_tuple("--update-delay", &f.delay, &pb::UpdatePolicy::set_delay_ms),
        std::make_tuple("--update-monitor", &f.monitor,
                        &pb::UpdatePolicy::set_monitor_ms)}) {
    if (text->empty())
      continue;
    auto ms = parse_duration_ms(*text);
    if (!ms || *ms <= 0) {
      *error = std::string(flag) + " must be a duration like 500ms or 5s, got '"
               + *text + "'";
      return false;
    }
    (u->*set)(*ms);
    policy = true;
  }
  if (!f.order.empty()) {
    if (f.order != "stop-first" && f.order != "start-first") {
      *error = "--update-order must be stop-first or start-first, got '"
               + f.order + "'";
      return false;
    }
    u->set_order(f.order);
    policy = true;
  }
  if (!f.failure_action.empty()) {
    if (f.failure_action != "pause" && f.failure_action != "continue"
        && f.failure_action != "rollback") {
      *error = "--update-failure-action must be pause, continue or rollback, got '"
               + f.failure_action + "'";
      return false;
    }
    u->set_failure_action(f.failure_action);
    policy = true;
  }
  if (!f.max_failure_ratio.empty()) {
    char* end = nullptr;
    double r = std::strtod(f.max_failure_ratio.c_str(), &end);
    if (end == f.max_failure_ratio.c_str() || *end != '\0' || !(r > 0 && r <= 1)) {
      *error = "--update-max-failure-ratio must be a number in (0, 1], got '"
               + f.max_failure_ratio + "'";
      return false;
    }
    u->set_max_failure_ratio(r);
    policy = true;
  }
  out->set_set_update(policy);
  if (!policy)
    out->clear_update();
  out->set_force(f.force);
  return true;
}

void register_update_commands(CLI::App* service, int* exit_code) {
  auto up = std::make_shared<update_options>();
  auto* u = service->add_subcommand(
    "update", "roll out a changed spec under the service's update policy");
  auto& f = up->flags;
  u->add_option("SERVICE", f.service, "service name (STACK_SERVICE)")->required();
  u->add_option("--image", f.image, "new image (oci)");
  u->add_option("--command", f.command, "new command line, e.g. \"sh -c 'x'\"");
  u->add_option("--env", f.env, "set an environment variable KEY=VALUE (repeatable)");
  u->add_option("--env-rm", f.env_rm, "remove an environment variable (repeatable)");
  u->add_option("--replicas", f.replicas, "new replica count");
  u->add_option("--update-parallelism", f.parallelism, "tasks updated at once");
  u->add_option("--update-delay", f.delay, "wait between batches, e.g. 2s");
  u->add_option("--update-monitor", f.monitor, "how long a new task must stay healthy");
  u->add_option("--update-order", f.order, "stop-first | start-first");
  u->add_option("--update-failure-action", f.failure_action,
                "pause | continue | rollback");
  u->add_option("--update-max-failure-ratio", f.max_failure_ratio,
                "failures tolerated, 0..1");
  u->add_flag("--force", f.force, "replace every task even if nothing changed");
  u->add_flag("-d,--detach", up->detach, "do not wait for the update");
  add_waiting_client_options(u, &up->client);  // --timeout: the wait (default 10m)
  u->callback([up, exit_code] { *exit_code = service_update(*up); });

  auto rb = std::make_shared<rollback_options>();
  auto* r = service->add_subcommand(
    "rollback", "return to the previous spec under the rollback policy");
  r->add_option("SERVICE", rb->service, "service name (STACK_SERVICE)")->required();
  r->add_flag("-d,--detach", rb->detach, "do not wait for the rollback");
  add_waiting_client_options(r, &rb->client);  // --timeout: the wait (default 10m)
  r->callback([rb, exit_code] { *exit_code = service_rollback(*rb); });
}

} // namespace troupe::cli
