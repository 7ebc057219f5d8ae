// `troupe events [--since DURATION] [--filter KEY=VALUE]... [--format json]
// [--count N]`: the cluster's events as they happen. Subscribes to the
// manager's PUB socket first, then asks its API for the history since the
// given time (and the last seq published), prints that, then streams from
// the socket, skipping what it already printed (by seq) and fetching any gap
// from the history. Runs until Ctrl-C, or until N events were printed.
#include <cerrno>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/observe/core/event_derive.hpp"
#include "cli/api_client.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "config/units.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

struct events_options {
  client_options client;
  std::string since;
  std::vector<std::string> filters;
  int64_t count = 0;
};

/// key -> accepted values; every key must match one of its values.
using filter_set = std::map<std::string, std::set<std::string>>;

const std::set<std::string>& known_types() {
  static const std::set<std::string> t{"task", "service", "node", "cluster",
                                       "update", "actor", "stack"};
  return t;
}

bool parse_filters(const std::vector<std::string>& in, filter_set* out,
                   std::string* why) {
  for (const auto& f : in) {
    auto eq = f.find('=');
    auto key = f.substr(0, eq);
    if (eq == std::string::npos || eq + 1 == f.size()
        || (key != "type" && key != "action" && key != "subject" && key != "node"
            && key != "service")) {
      *why = "--filter takes KEY=VALUE with KEY type, action, subject, node or "
             "service, got '" + f + "'";
      return false;
    }
    auto value = f.substr(eq + 1);
    if (key == "type" && known_types().count(value) == 0) {
      *why = "unknown event type '" + value
             + "' (use task, service, node, cluster, update, actor or stack)";
      return false;
    }
    (*out)[key].insert(value);
  }
  return true;
}

bool matches(const filter_set& filters, const pb::Event& e) {
  for (const auto& [key, values] : filters) {
    std::string v = key == "type"      ? e.type()
                    : key == "action"  ? e.action()
                    : key == "subject" ? e.subject()
                    : key == "node"    ? e.node()
                    : (e.attributes().count("service") ? e.attributes().at("service")
                       : e.type() == "service" || e.type() == "update" ? e.subject()
                                                                       : "");
    if (values.count(v) == 0)
      return false;
  }
  return true;
}

nlohmann::json event_json(const pb::Event& e) {
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [k, v] : e.attributes())
    attrs[k] = v;
  return {{"seq", e.seq()},         {"index", e.index()},   {"time", format_rfc3339(e.time())},
          {"type", e.type()},       {"action", e.action()}, {"subject", e.subject()},
          {"node", e.node()},       {"attributes", attrs},  {"message", e.message()}};
}

/// The PUB address as this client can reach it: a wildcard host becomes the
/// API's host.
std::string reachable(const std::string& pub, const std::string& api) {
  auto colon = pub.rfind(':');
  auto host = pub.substr(0, colon);
  if (host != "0.0.0.0" && host != "*" && host != "::")
    return pub;
  auto api_host = api.substr(0, api.rfind(':'));
  if (api_host.rfind("tcp://", 0) == 0)
    api_host = api_host.substr(6);
  return api_host + pub.substr(colon);
}

class printer {
public:
  printer(const events_options& o, filter_set f) : o_(o), filters_(std::move(f)) {}

  /// Prints `e` unless seen or filtered; false once --count is reached.
  bool take(const pb::Event& e) {
    if (e.seq() <= last_seq_)
      return true;
    last_seq_ = e.seq();
    if (!matches(filters_, e))
      return true;
    if (o_.client.format == "json")
      std::cout << event_json(e).dump() << std::endl;
    else
      std::cout << observe::format_event(e) << std::endl;
    ++printed_;
    return o_.count == 0 || printed_ < o_.count;
  }
  uint64_t last_seq() const { return last_seq_; }
  void skip_to(uint64_t seq) { last_seq_ = std::max(last_seq_, seq); }

private:
  const events_options& o_;
  filter_set filters_;
  uint64_t last_seq_ = 0;
  int64_t printed_ = 0;
};

bool fetch(const std::string& api, int64_t since, uint64_t after_seq,
           pb::EventsReply* out) {
  pb::Request req;
  req.mutable_events()->set_since(since);
  req.mutable_events()->set_after_seq(after_seq);
  pb::Response resp;
  std::string why;
  if (!call_api(api, req, &resp, api_timeout_ms, &why)) {
    fail(why);
    return false;
  }
  if (!resp.error().empty()) {
    fail(resp.error());
    return false;
  }
  *out = resp.events();
  return true;
}

int run_events(const events_options& o) {
  filter_set filters;
  std::string why;
  if (!parse_filters(o.filters, &filters, &why))
    return fail(why);
  int64_t now = unix_now_ms();
  int64_t since = INT64_MAX; // no history: only what happens from now on
  if (!o.since.empty()) {
    auto ms = parse_duration_ms(o.since);
    if (!ms || *ms < 0)
      return fail("--since takes a duration such as 30s, 10m or 1h, got '" + o.since
                  + "'");
    since = now - *ms;
  }
  auto api = api_address(o.client);
  install_interrupt_handler();
  pb::EventsReply first;
  if (!fetch(api, INT64_MAX, 0, &first))
    return 1;
  zmq::context_t ctx;
  zmq::socket_t sub{ctx, zmq::socket_type::sub};
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "");
  try {
    const auto& pub = first.events_address();
    sub.connect(pub.find("://") != std::string::npos ? pub
                                                     : "tcp://" + reachable(pub, api));
  } catch (const zmq::error_t& e) {
    return fail("cannot subscribe to events at " + first.events_address() + ": "
                + e.what());
  }
  printer out{o, filters};
  // History (if asked), then the live stream; a gap in seq is filled from
  // the history, so nothing between the two is lost.
  pb::EventsReply history;
  if (!fetch(api, since, 0, &history))
    return 1;
  for (const auto& e : history.events())
    if (!out.take(e))
      return 0;
  out.skip_to(history.last_seq());
  while (!interrupted()) {
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::multipart_t msg;
    try {
      // A signal interrupts the wait (EINTR): the loop then ends cleanly.
      zmq::poll(&item, 1, std::chrono::milliseconds(200));
      if (!msg.recv(sub, ZMQ_DONTWAIT))
        continue;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR)
        continue;
      return fail(std::string("the event stream broke: ") + e.what());
    }
    if (msg.size() != 2)
      continue;
    msg.popstr();
    pb::Event e;
    if (!e.ParseFromString(msg.popstr()))
      continue;
    if (e.seq() > out.last_seq() + 1) {
      pb::EventsReply gap;
      if (!fetch(api, 0, out.last_seq(), &gap))
        return 1;
      for (const auto& g : gap.events())
        if (g.seq() < e.seq() && !out.take(g))
          return 0;
    }
    if (!out.take(e))
      return 0;
  }
  return 0;
}

} // namespace

void register_events_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<events_options>();
  auto* sub = app.add_subcommand(
    "events", "stream what happens in the cluster (until Ctrl-C)");
  add_client_options(sub, &o->client, true);
  sub->add_option("--since", o->since,
                  "also show the events of this recent past (e.g. 10m)");
  sub->add_option("--filter", o->filters,
                  "KEY=VALUE, repeatable: type=task|service|node|cluster|update|"
                  "actor|stack, action=, subject=, node=, service=");
  sub->add_option("--count", o->count, "exit after printing N events");
  sub->callback([o, exit_code] { *exit_code = run_events(*o); });
}

} // namespace troupe::cli
