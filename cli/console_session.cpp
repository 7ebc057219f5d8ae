// The console's commands (see console.hpp): each asks the node's API and
// prints a table, or JSON under --format json.
#include <chrono>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/observe/core/actor_kind.hpp"
#include "actors/observe/core/console_view.hpp"
#include "cli/api_client.hpp"
#include "cli/console.hpp"
#include "cli/output.hpp"
#include "config/cluster_config.hpp"
#include "config/units.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

constexpr int timeout_ms = 10000;

int fail_line(const std::string& sentence) {
  std::cerr << "troupe: " << sentence << "\n";
  return 1;
}

std::vector<std::string> split(const std::string& line) {
  std::istringstream is{line};
  std::vector<std::string> out;
  for (std::string w; is >> w;)
    out.push_back(w);
  return out;
}

nlohmann::json actor_json(const pb::ActorInfo& a) {
  nlohmann::json j = {{"id", a.id()},           {"parent", a.parent()},
                      {"name", a.name()},       {"kind", a.kind()},
                      {"summary", a.summary()}, {"processed", a.processed()},
                      {"mailbox", a.mailbox()}, {"busy_ns", a.busy_ns()},
                      {"restarts", a.restarts()},
                      {"last_error", a.last_error()},
                      {"started_at", format_rfc3339(a.started_ms())}};
  j["links"] = std::vector<uint64_t>(a.links().begin(), a.links().end());
  j["monitors"] = std::vector<uint64_t>(a.monitors().begin(), a.monitors().end());
  j["recent_messages"] = std::vector<std::string>(a.recent_messages().begin(),
                                                  a.recent_messages().end());
  if (a.ended())
    j["ended"] = true;
  return j;
}

void print(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

} // namespace

const std::vector<std::string>& console_commands() {
  static const std::vector<std::string> commands = {
    "tree", "ls", "top", "inspect", "trace", "kill", "cluster",
    "nodes", "services", "connect", "help", "quit"};
  return commands;
}

console_session::console_session(std::string address, std::string format,
                                 bool interactive, std::string config_path)
  : address_(std::move(address)), format_(std::move(format)),
    interactive_(interactive), config_path_(std::move(config_path)) {}

std::string console_session::prompt() const {
  return "troupe " + (node_name_.empty() ? address_ : node_name_) + "> ";
}

bool console_session::call(const pb::Request& req, pb::Response* resp) {
  std::string err;
  if (!call_api(address_, req, resp, timeout_ms, &err)) {
    fail_line(err);
    return false;
  }
  if (!resp->error().empty()) {
    fail_line(resp->error());
    return false;
  }
  if (resp->has_console_node())
    node_name_ = resp->console_node().name();
  return true;
}

bool console_session::refresh() {
  pb::Request req;
  req.mutable_actor_list();
  pb::Response resp;
  if (!call(req, &resp))
    return false;
  actors_.assign(resp.actors().begin(), resp.actors().end());
  snapshot_ms_ = resp.console_node().now_ms();
  return true;
}

bool console_session::resolve(const std::string& query, uint64_t* id) {
  if (!refresh())
    return false;
  std::string err;
  auto found = observe::resolve_actor(actors_, query, &err);
  if (!found) {
    fail_line(err);
    return false;
  }
  *id = *found;
  return true;
}

int console_session::run(const std::string& line, bool* quit) {
  auto words = split(line);
  if (words.empty())
    return 0;
  const auto& cmd = words[0];
  std::vector<std::string> args(words.begin() + 1, words.end());
  if (cmd == "quit" || cmd == "exit") {
    *quit = true;
    return 0;
  }
  if (cmd == "help") {
    std::cout
      << "tree                      the node's supervision tree with states\n"
         "ls [KIND]                 actors, optionally of one kind ("
      << [] {
           std::string k;
           for (const auto& n : observe::kind_names())
             k += (k.empty() ? "" : ", ") + n;
           return k;
         }()
      << ")\n"
         "top [--sort mailbox|rate|time|restarts] [--limit N]\n"
         "                          busiest actors (refreshes until a key)\n"
         "inspect ACTOR             everything known of one actor\n"
         "trace ACTOR [--for 5s]    types, senders and sizes of its messages\n"
         "kill ACTOR                end an actor with an error\n"
         "cluster                   raft status of the managers\n"
         "nodes | services          the cluster's nodes and services\n"
         "connect NODE|HOST:PORT    switch to another node\n"
         "quit\n"
         "ACTOR is an id or a unique name prefix (e.g. task/web.1).\n";
    return 0;
  }
  auto one_arg = [&](const char* what) -> const std::string* {
    if (args.size() != 1) {
      fail_line(cmd + " takes one argument: " + what);
      return nullptr;
    }
    return &args[0];
  };
  if (cmd == "tree")
    return tree();
  if (cmd == "ls")
    return ls(args);
  if (cmd == "top")
    return top(args);
  if (cmd == "inspect") {
    auto a = one_arg("ACTOR");
    return a ? inspect(*a) : 1;
  }
  if (cmd == "trace")
    return trace(args);
  if (cmd == "kill") {
    auto a = one_arg("ACTOR");
    return a ? kill(*a, interactive_) : 1;
  }
  if (cmd == "cluster")
    return cluster();
  if (cmd == "nodes")
    return nodes();
  if (cmd == "services")
    return services();
  if (cmd == "connect") {
    auto a = one_arg("NODE or HOST:PORT");
    return a ? connect(*a) : 1;
  }
  return fail_line("unknown console command '" + cmd + "' (try help)");
}

int console_session::tree() {
  if (!refresh())
    return 1;
  if (format_ == "json") {
    auto lines = observe::build_tree(actors_);
    auto list = nlohmann::json::array();
    for (const auto& l : lines) {
      auto j = actor_json(*l.actor);
      j["depth"] = l.depth;
      list.push_back(j);
    }
    print({{"node", node_name_}, {"actors", list}});
    return 0;
  }
  std::cout << observe::render_tree(actors_);
  return 0;
}

int console_session::ls(const std::vector<std::string>& args) {
  if (args.size() > 1)
    return fail_line("ls takes at most one argument: a kind");
  std::optional<observe::actor_kind> kind;
  if (!args.empty()) {
    kind = observe::parse_kind(args[0]);
    if (!kind)
      return fail_line("unknown actor kind '" + args[0] + "' (see help)");
  }
  if (!refresh())
    return 1;
  std::vector<pb::ActorInfo> shown;
  for (const auto& a : actors_)
    if (!kind || a.kind() == observe::to_string(*kind))
      shown.push_back(a);
  if (format_ == "json") {
    auto list = nlohmann::json::array();
    for (const auto& a : shown)
      list.push_back(actor_json(a));
    print(list);
    return 0;
  }
  std::cout << observe::render_list(shown);
  return 0;
}

int console_session::inspect(const std::string& actor) {
  uint64_t id = 0;
  if (!resolve(actor, &id))
    return 1;
  pb::Request req;
  req.set_actor_inspect(id);
  pb::Response resp;
  if (!call(req, &resp) || resp.actors_size() == 0)
    return 1;
  if (format_ == "json") {
    print(actor_json(resp.actors(0)));
    return 0;
  }
  std::cout << observe::render_inspect(resp.actors(0), actors_);
  return 0;
}

int console_session::trace(const std::vector<std::string>& args) {
  std::string actor;
  int64_t for_ms = 5000;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--for" && i + 1 < args.size()) {
      auto ms = parse_duration_ms(args[++i]);
      if (!ms || *ms <= 0 || *ms > 60000)
        return fail_line("--for takes a duration up to 60s, e.g. 5s");
      for_ms = *ms;
    } else if (actor.empty()) {
      actor = args[i];
    } else {
      return fail_line("usage: trace ACTOR [--for 5s]");
    }
  }
  uint64_t id = 0;
  if (!resolve(actor, &id))
    return 1;
  pb::Request req;
  req.mutable_actor_trace()->set_id(id);
  req.mutable_actor_trace()->set_duration_ms(static_cast<uint32_t>(for_ms));
  req.mutable_actor_trace()->set_max_per_second(100);
  if (interactive_)
    std::cout << "tracing for " << format_duration_ms(for_ms) << "...\n";
  pb::Response resp;
  std::string err;
  if (!call_api(address_, req, &resp, timeout_ms + static_cast<int>(for_ms), &err))
    return fail_line(err);
  if (!resp.error().empty())
    return fail_line(resp.error());
  std::vector<pb::ActorTraceRecord> records(resp.trace().begin(), resp.trace().end());
  if (format_ == "json") {
    auto list = nlohmann::json::array();
    for (const auto& r : records)
      list.push_back({{"at_ms", r.at_ms()}, {"type", r.type()},
                      {"sender", r.sender()}, {"sender_name", r.sender_name()},
                      {"elements", r.elements()}});
    print({{"messages", list}, {"dropped", resp.trace_dropped()}});
    return 0;
  }
  std::cout << observe::render_trace(records, resp.trace_dropped());
  return 0;
}

int console_session::kill(const std::string& actor, bool ask) {
  uint64_t id = 0;
  if (!resolve(actor, &id))
    return 1;
  std::string name;
  for (const auto& a : actors_)
    if (a.id() == id)
      name = a.name();
  if (ask) {
    std::cout << "kill " << name << " (" << id << ")? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "Y")) {
      std::cout << "not killed\n";
      return 0;
    }
  }
  pb::Request req;
  req.mutable_actor_kill()->set_id(id);
  req.mutable_actor_kill()->set_reason("killed from the console");
  pb::Response resp;
  if (!call(req, &resp))
    return 1;
  if (format_ == "json")
    print({{"killed", id}, {"name", name}});
  else
    std::cout << "killed " << name << " (" << id << ")\n";
  return 0;
}

int console_session::cluster() {
  pb::Request req;
  req.mutable_cluster_status();
  pb::Response resp;
  if (!call(req, &resp))
    return 1;
  const auto& s = resp.cluster();
  auto lag = [&](const pb::ClusterMember& m) {
    return s.commit_index() > m.match_index() ? s.commit_index() - m.match_index()
                                              : 0;
  };
  if (format_ == "json") {
    auto members = nlohmann::json::array();
    for (const auto& m : s.members())
      members.push_back({{"name", m.name()}, {"address", m.address()},
                         {"state", m.state()}, {"match_index", m.match_index()},
                         {"lag", lag(m)}});
    print({{"leader", s.leader()}, {"term", s.term()},
           {"commit_index", s.commit_index()},
           {"applied_index", s.applied_index()},
           {"answered_by", s.answered_by()}, {"members", members}});
    return 0;
  }
  std::cout << "leader: " << (s.leader().empty() ? "(none)" : s.leader())
            << "  term: " << s.term() << "  commit: " << s.commit_index()
            << "  applied: " << s.applied_index() << "\n";
  std::vector<table_row> rows;
  for (const auto& m : s.members())
    rows.push_back({m.name(), m.state(), std::to_string(m.match_index()),
                    std::to_string(lag(m))});
  std::cout << render_table({"NAME", "STATE", "MATCH", "LAG"}, rows);
  return 0;
}

int console_session::nodes() {
  pb::Request req;
  req.mutable_list_nodes();
  pb::Response resp;
  if (!call(req, &resp))
    return 1;
  if (format_ == "json") {
    auto list = nlohmann::json::array();
    for (const auto& n : resp.nodes())
      list.push_back(node_summary_json(n));
    print(list);
    return 0;
  }
  std::vector<table_row> rows;
  for (const auto& n : resp.nodes())
    rows.push_back(node_row(n));
  std::cout << render_table(node_headers(), rows);
  return 0;
}

int console_session::services() {
  pb::Request req;
  req.mutable_list_services();
  pb::Response resp;
  if (!call(req, &resp))
    return 1;
  if (format_ == "json") {
    auto list = nlohmann::json::array();
    for (const auto& s : resp.services())
      list.push_back(service_summary_json(s));
    print(list);
    return 0;
  }
  std::vector<table_row> rows;
  for (const auto& s : resp.services())
    rows.push_back(service_row(s));
  std::cout << render_table(service_headers(), rows);
  return 0;
}

int console_session::connect(const std::string& node) {
  std::string address = node;
  if (node.find(':') == std::string::npos) {
    std::string err;
    if (!node_api_address(config_path_, node, &address, &err))
      return fail_line(err);
  }
  auto old = address_;
  auto old_name = node_name_;
  address_ = address;
  node_name_.clear();
  if (!refresh()) {
    address_ = old;
    node_name_ = old_name;
    return 1;
  }
  std::cout << "connected to " << node_name_ << " (" << address_ << ")\n";
  return 0;
}

bool node_api_address(const std::string& path, const std::string& name,
                      std::string* address, std::string* error) {
  if (path.empty()) {
    *error = "give --config FILE to find node '" + name
             + "' (or connect to HOST:PORT)";
    return false;
  }
  auto loaded = load_cluster_config(path);
  if (!loaded.ok()) {
    *error = "the cluster config " + path + " has errors";
    return false;
  }
  for (const auto& m : loaded.config.managers())
    if (m.name() == name) {
      *address = m.api_address();
      return true;
    }
  for (const auto& n : loaded.config.nodes())
    if (n.name() == name && !n.api_address().empty()) {
      *address = n.api_address();
      return true;
    }
  *error = "node '" + name + "' has no api_address in " + path;
  return false;
}

} // namespace troupe::cli
