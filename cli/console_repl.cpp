// The interactive console: libedit's readline interface for line editing,
// history (~/.troupe_console_history) and tab completion of commands, kinds
// and the actor names of the last snapshot; plus `troupe console` itself.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include <editline/readline.h>
#include <unistd.h>

#include "actors/observe/core/actor_kind.hpp"
#include "cli/api_client.hpp"
#include "cli/console.hpp"

namespace troupe::cli {

namespace {

console_session* active = nullptr;
std::vector<std::string> candidates;

char* generate(const char* text, int state) {
  static size_t next = 0;
  if (state == 0)
    next = 0;
  auto len = std::strlen(text);
  while (next < candidates.size()) {
    const auto& c = candidates[next++];
    if (c.compare(0, len, text) == 0)
      return strdup(c.c_str());
  }
  return nullptr;
}

char** complete(const char* text, int start, int) {
  candidates.clear();
  std::string before{rl_line_buffer, static_cast<size_t>(start)};
  bool first_word = before.find_first_not_of(' ') == std::string::npos;
  if (first_word) {
    candidates = console_commands();
  } else if (before.rfind("ls", 0) == 0) {
    candidates = observe::kind_names();
  } else if (before.rfind("top", 0) == 0) {
    candidates = {"--sort", "--limit", "mailbox", "rate", "time", "restarts"};
  } else if (active != nullptr) {
    for (const auto& a : active->last_actors())
      candidates.push_back(a.name());
  }
  rl_attempted_completion_over = 1;
  return rl_completion_matches(text, generate);
}

std::string history_file() {
  const char* home = std::getenv("HOME");
  return home ? std::string{home} + "/.troupe_console_history" : std::string{};
}

} // namespace

int console_repl(console_session& session) {
  active = &session;
  rl_attempted_completion_function = complete;
  auto hist = history_file();
  if (!hist.empty())
    read_history(hist.c_str());
  std::cout << "troupe console on " << session.address()
            << " — type help for commands, quit to leave\n";
  // Prime the completion list and the prompt's node name.
  {
    bool quit = false;
    std::cout.setstate(std::ios::failbit);
    session.run("ls", &quit);
    std::cout.clear();
  }
  for (;;) {
    char* raw = readline(session.prompt().c_str());
    if (raw == nullptr) {
      std::cout << "\n";
      break;
    }
    std::string line{raw};
    std::free(raw);
    if (line.find_first_not_of(' ') == std::string::npos)
      continue;
    add_history(line.c_str());
    bool quit = false;
    session.run(line, &quit);
    if (quit)
      break;
  }
  if (!hist.empty())
    write_history(hist.c_str());
  active = nullptr;
  return 0;
}

void register_console_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<console_options>();
  auto* sub = app.add_subcommand(
    "console", "look inside a running node: its actors, live (interactive by "
               "default)");
  sub->add_option("--node", opts->node,
                  "node name, found in the cluster config (--config), instead of --host");
  sub->add_option("--config", opts->config, "cluster config file (for --node)");
  sub->add_option("--exec", opts->exec, "run one console command and exit");
  add_client_options(sub, &opts->client, true);  // --format: with --exec
  sub->callback([opts, exit_code] {
    if (!opts->node.empty() && !opts->client.host.empty()) {
      std::cerr << "troupe: console takes --node or --host, not both\n";
      *exit_code = 1;
      return;
    }
    std::string address = resolve_api_address(opts->client.host);
    if (!opts->node.empty()) {
      std::string err;
      if (!node_api_address(opts->config, opts->node, &address, &err)) {
        std::cerr << "troupe: " << err << "\n";
        *exit_code = 1;
        return;
      }
    }
    bool interactive = opts->exec.empty();
    console_session session{address, interactive ? "table" : opts->client.format,
                            interactive && isatty(STDIN_FILENO), opts->config};
    if (!interactive) {
      bool quit = false;
      *exit_code = session.run(opts->exec, &quit);
      return;
    }
    *exit_code = console_repl(session);
  });
}

} // namespace troupe::cli
