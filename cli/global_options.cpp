#include "cli/global_options.hpp"

#include <cstdlib>
#include <vector>

#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/endpoint_list.hpp"
#include "config/units.hpp"

namespace troupe::cli {

namespace {

constexpr int64_t max_timeout_ms = 24LL * 3600 * 1000;

struct client_command {
  CLI::App* sub;
  client_options* options;
  bool with_format;
  bool waits;
};

global_options& globals() {
  static global_options g;
  return g;
}

std::vector<client_command>& client_commands() {
  static std::vector<client_command> list;
  return list;
}

// "service ls" for the subcommand `sub`.
std::string command_path(const CLI::App* sub) {
  std::string path;
  for (auto* a = sub; a != nullptr && a->get_parent() != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

// Runs once the whole line is parsed, before any command's callback.
void apply_globals() {
  const auto& g = globals();
  if (auto why = global_options_problem(g); !why.empty())
    throw CLI::ValidationError(why);
  api_client_settings settings;
  settings.verbose = g.verbose;
  settings.state_dir = client_state_dir(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME"));
  set_api_client_settings(settings);
  for (auto& c : client_commands()) {
    if (!c.sub->parsed())
      continue;
    if (!g.format.empty() && !c.with_format)
      throw CLI::ValidationError("`troupe " + command_path(c.sub)
                                 + "` has no --format: it prints no listing");
    c.options->host = g.host;
    if (!g.format.empty())
      c.options->format = g.format;
    c.options->timeout = g.timeout;
    int64_t ms = g.timeout.empty() ? 0 : *parse_duration_ms(g.timeout);
    (c.waits ? c.options->wait_ms : c.options->timeout_ms) = ms;
  }
}

} // namespace

const global_options& parsed_global_options() { return globals(); }

std::string unknown_command_sentence(const CLI::App& app, const std::vector<std::string>& args) {
  // Walk the words as CLI11 did: options are skipped, command names descend.
  const CLI::App* at = &app;
  std::string path = "troupe";
  bool value_next = false;
  for (const auto& word : args) {
    if (value_next) {
      value_next = false;
      continue;
    }
    if (word.empty() || word[0] == '-') {
      // An option that takes a value takes the next word (unless NAME=VALUE).
      if (word.find('=') == std::string::npos)
        for (const auto* a = at; a != nullptr; a = a->get_parent())
          if (const auto* opt = a->get_option_no_throw(word); opt != nullptr) {
            value_next = opt->get_type_size() > 0;
            break;
          }
      continue;
    }
    auto subs = at->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
    if (subs.empty())
      return "";  // a command's argument, not a command
    const CLI::App* next = nullptr;
    for (const auto* s : subs)
      if (s->get_name() == word)
        next = s;
    if (next == nullptr) {
      std::string names;
      for (const auto* s : subs)
        names += (names.empty() ? "" : ", ") + s->get_name();
      return "`" + path + "` has no command \"" + word + "\"; its commands: " + names;
    }
    at = next;
    path += " " + word;
  }
  return "";
}

std::string global_options_problem(const global_options& g) {
  if (!g.timeout.empty()) {
    auto ms = parse_duration_ms(g.timeout);
    if (!ms || *ms <= 0 || *ms > max_timeout_ms)
      return "invalid --timeout \"" + g.timeout
             + "\": expected a positive duration up to 24h, such as 500ms, 30s or 5m";
  }
  if (!g.host.empty()) {
    std::vector<std::string> endpoints;
    std::string why;
    if (!parse_endpoint_list(g.host, &endpoints, &why))
      return "--host: " + why;
  }
  if (!g.credentials.empty())
    return "--credentials is reserved for authenticated clients, which this "
           "version does not support yet; nothing was sent";
  return "";
}

void add_global_options(CLI::App& app) {
  auto& g = globals();
  g = {};
  client_commands().clear();
  app.add_option("-H,--host", g.host,
                 "node API address(es) HOST:PORT[,HOST:PORT...] or ipc://PATH, tried in "
                 "turn (default $TROUPE_HOST, else ./troupe-data/api.sock)");
  app.add_option("--format", g.format, "output format of listings: table or json")
    ->check(CLI::IsMember({"table", "json"}));
  app.add_option("--timeout", g.timeout,
                 "how long one request may take (default 10s); deploy, scale, "
                 "update, rollback: how long to wait for convergence");
  app.add_option("--credentials", g.credentials,
                 "reserved for authenticated clients (not supported yet)");
  app.add_flag("-v,--verbose", g.verbose, "say on stderr which node answered");
  app.fallthrough();
  app.parse_complete_callback(apply_globals);
}

void add_client_options(CLI::App* sub, client_options* options, bool with_format) {
  client_commands().push_back({sub, options, with_format, false});
}

void add_waiting_client_options(CLI::App* sub, client_options* options) {
  client_commands().push_back({sub, options, false, true});
}

int request_timeout_ms(const client_options& options) {
  return options.timeout_ms > 0 ? static_cast<int>(options.timeout_ms) : api_timeout_ms;
}

int64_t wait_timeout_ms(const client_options& options, int64_t default_ms) {
  return options.wait_ms > 0 ? options.wait_ms : default_ms;
}

} // namespace troupe::cli
