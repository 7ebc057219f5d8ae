#include "actors/observe/core/console_view.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <sstream>

namespace troupe::observe {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty()
         && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width)
    s.append(width - s.size(), ' ');
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// "13:05:09.123" (UTC) for milliseconds since the epoch.
std::string clock_time(int64_t ms) {
  auto secs = ms / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(secs / 3600 % 24),
                static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), static_cast<long long>(ms % 1000));
  return buf;
}

} // namespace

std::string format_busy(uint64_t ns) {
  if (ns < 1000000)
    return fixed(ns / 1e3, 0) + "us";
  if (ns < 1000000000)
    return fixed(ns / 1e6, 1) + "ms";
  return fixed(ns / 1e9, 2) + "s";
}

std::optional<uint64_t> resolve_actor(const std::vector<pb::ActorInfo>& actors,
                                      std::string_view query, std::string* error) {
  if (query.empty()) {
    *error = "name an actor by id or name prefix";
    return std::nullopt;
  }
  if (all_digits(query)) {
    auto id = std::stoull(std::string{query});
    for (const auto& a : actors)
      if (a.id() == id)
        return id;
    *error = "no actor with id " + std::string{query} + " on this node";
    return std::nullopt;
  }
  std::vector<const pb::ActorInfo*> matches;
  for (const auto& a : actors) {
    if (a.name() == query)
      return a.id();
    if (a.name().compare(0, query.size(), query) == 0)
      matches.push_back(&a);
  }
  if (matches.size() == 1)
    return matches.front()->id();
  if (matches.empty()) {
    *error = "no actor's name starts with '" + std::string{query} + "'";
    return std::nullopt;
  }
  std::string list;
  for (size_t i = 0; i < matches.size() && i < 8; ++i)
    list += (i ? ", " : "") + matches[i]->name() + " ("
            + std::to_string(matches[i]->id()) + ")";
  if (matches.size() > 8)
    list += ", ...";
  *error = "'" + std::string{query} + "' matches " + std::to_string(matches.size())
           + " actors: " + list;
  return std::nullopt;
}

std::optional<top_key> parse_top_key(std::string_view s) {
  if (s == "mailbox")
    return top_key::mailbox;
  if (s == "rate")
    return top_key::rate;
  if (s == "time")
    return top_key::time;
  if (s == "restarts")
    return top_key::restarts;
  return std::nullopt;
}

std::map<uint64_t, double> message_rates(const std::vector<pb::ActorInfo>& now,
                                         const std::vector<pb::ActorInfo>* before,
                                         int64_t elapsed_ms, int64_t now_ms) {
  std::map<uint64_t, uint64_t> prev;
  if (before != nullptr)
    for (const auto& a : *before)
      prev[a.id()] = a.processed();
  std::map<uint64_t, double> out;
  for (const auto& a : now) {
    auto p = prev.find(a.id());
    if (p != prev.end() && elapsed_ms > 0 && a.processed() >= p->second) {
      out[a.id()] = (a.processed() - p->second) * 1000.0 / elapsed_ms;
      continue;
    }
    auto age = now_ms - a.started_ms();
    out[a.id()] = age > 0 ? a.processed() * 1000.0 / age : 0.0;
  }
  return out;
}

std::vector<pb::ActorInfo> sort_top(std::vector<pb::ActorInfo> actors, top_key key,
                                    const std::map<uint64_t, double>& rates,
                                    size_t limit) {
  auto value = [&](const pb::ActorInfo& a) -> double {
    switch (key) {
      case top_key::mailbox: return static_cast<double>(a.mailbox());
      case top_key::time: return static_cast<double>(a.busy_ns());
      case top_key::restarts: return a.restarts();
      case top_key::rate: {
        auto r = rates.find(a.id());
        return r == rates.end() ? 0.0 : r->second;
      }
    }
    return 0.0;
  };
  std::stable_sort(actors.begin(), actors.end(), [&](const auto& a, const auto& b) {
    auto va = value(a), vb = value(b);
    return va != vb ? va > vb : a.id() < b.id();
  });
  if (limit > 0 && actors.size() > limit)
    actors.resize(limit);
  return actors;
}

std::vector<tree_line> build_tree(const std::vector<pb::ActorInfo>& actors) {
  std::set<uint64_t> ids;
  for (const auto& a : actors)
    ids.insert(a.id());
  std::map<uint64_t, std::vector<const pb::ActorInfo*>> children;
  std::vector<const pb::ActorInfo*> roots;
  for (const auto& a : actors) {
    if (a.parent() != 0 && a.parent() != a.id() && ids.count(a.parent()) > 0)
      children[a.parent()].push_back(&a);
    else
      roots.push_back(&a);
  }
  auto by_id = [](const pb::ActorInfo* x, const pb::ActorInfo* y) {
    return x->id() < y->id();
  };
  std::sort(roots.begin(), roots.end(), by_id);
  for (auto& [id, list] : children)
    std::sort(list.begin(), list.end(), by_id);
  std::vector<tree_line> out;
  std::set<uint64_t> seen;
  std::function<void(const pb::ActorInfo*, int, bool)> walk =
    [&](const pb::ActorInfo* a, int depth, bool last) {
      if (!seen.insert(a->id()).second)
        return;
      out.push_back({a, depth, last});
      auto c = children.find(a->id());
      if (c == children.end())
        return;
      for (size_t i = 0; i < c->second.size(); ++i)
        walk(c->second[i], depth + 1, i + 1 == c->second.size());
    };
  for (size_t i = 0; i < roots.size(); ++i)
    walk(roots[i], 0, i + 1 == roots.size());
  return out;
}

std::string render_tree(const std::vector<pb::ActorInfo>& actors) {
  auto lines = build_tree(actors);
  std::ostringstream os;
  // open[d] = whether the ancestor at depth d has siblings still to come.
  std::vector<bool> open;
  for (const auto& l : lines) {
    open.resize(static_cast<size_t>(l.depth) + 1);
    std::string prefix;
    for (int d = 1; d < l.depth; ++d)
      prefix += open[static_cast<size_t>(d)] ? "│   " : "    ";
    if (l.depth > 0)
      prefix += l.last ? "└── " : "├── ";
    open[static_cast<size_t>(l.depth)] = !l.last;
    const auto& a = *l.actor;
    os << prefix << a.name() << " [" << a.kind() << " #" << a.id() << "]";
    if (!a.summary().empty())
      os << " " << a.summary();
    if (a.restarts() > 0)
      os << " (restarts " << a.restarts() << ")";
    os << "\n";
  }
  return os.str();
}

std::string render_list(const std::vector<pb::ActorInfo>& actors) {
  std::ostringstream os;
  os << pad("ID", 8) << pad("KIND", 12) << pad("NAME", 36) << pad("MSGS", 10)
     << pad("MAILBOX", 9) << pad("RESTARTS", 10) << "SUMMARY\n";
  for (const auto& a : actors)
    os << pad(std::to_string(a.id()), 8) << pad(a.kind(), 12)
       << pad(a.name(), 36) << pad(std::to_string(a.processed()), 10)
       << pad(std::to_string(a.mailbox()), 9)
       << pad(std::to_string(a.restarts()), 10) << a.summary() << "\n";
  return os.str();
}

std::string render_top(const std::vector<pb::ActorInfo>& sorted,
                       const std::map<uint64_t, double>& rates) {
  std::ostringstream os;
  os << pad("ID", 8) << pad("NAME", 36) << pad("MAILBOX", 9) << pad("MSG/S", 10)
     << pad("BUSY", 10) << pad("RESTARTS", 10) << "KIND\n";
  for (const auto& a : sorted) {
    auto r = rates.find(a.id());
    os << pad(std::to_string(a.id()), 8) << pad(a.name(), 36)
       << pad(std::to_string(a.mailbox()), 9)
       << pad(fixed(r == rates.end() ? 0.0 : r->second, 1), 10)
       << pad(format_busy(a.busy_ns()), 10)
       << pad(std::to_string(a.restarts()), 10) << a.kind() << "\n";
  }
  return os.str();
}

std::string render_inspect(const pb::ActorInfo& a,
                           const std::vector<pb::ActorInfo>& all) {
  auto name_of = [&](uint64_t id) {
    for (const auto& x : all)
      if (x.id() == id)
        return x.name() + " (" + std::to_string(id) + ")";
    return std::to_string(id) + " (gone)";
  };
  std::ostringstream os;
  os << "id:         " << a.id() << "\n"
     << "name:       " << a.name() << "\n"
     << "kind:       " << a.kind() << "\n"
     << "parent:     " << (a.parent() == 0 ? std::string{"-"} : name_of(a.parent()))
     << "\n"
     << "state:      " << (a.summary().empty() ? "-" : a.summary()) << "\n"
     << "messages:   " << a.processed() << "\n"
     << "mailbox:    " << a.mailbox() << "\n"
     << "busy:       " << format_busy(a.busy_ns()) << "\n"
     << "restarts:   " << a.restarts() << "\n"
     << "last error: " << (a.last_error().empty() ? "-" : a.last_error()) << "\n";
  if (a.ended())
    os << "ended:      yes\n";
  os << "links:      ";
  for (int i = 0; i < a.links_size(); ++i)
    os << (i ? ", " : "") << name_of(a.links(i));
  os << (a.links_size() == 0 ? "-\n" : "\n") << "monitors:   ";
  for (int i = 0; i < a.monitors_size(); ++i)
    os << (i ? ", " : "") << name_of(a.monitors(i));
  os << (a.monitors_size() == 0 ? "-\n" : "\n") << "recent messages (oldest first):\n";
  for (const auto& m : a.recent_messages())
    os << "  " << m << "\n";
  return os.str();
}

std::string render_trace(const std::vector<pb::ActorTraceRecord>& records,
                         uint64_t dropped) {
  std::ostringstream os;
  os << pad("TIME (UTC)", 16) << pad("SENDER", 36) << pad("ELEMENTS", 10) << "TYPE\n";
  for (const auto& r : records) {
    std::string sender = r.sender() == 0 ? std::string{"-"}
                         : r.sender_name().empty()
                           ? std::to_string(r.sender())
                           : r.sender_name() + " (" + std::to_string(r.sender()) + ")";
    os << pad(clock_time(r.at_ms()), 16) << pad(sender, 36)
       << pad(std::to_string(r.elements()), 10) << r.type() << "\n";
  }
  os << records.size() << " messages";
  if (dropped > 0)
    os << ", " << dropped << " more over the rate limit";
  os << "\n";
  return os.str();
}

} // namespace troupe::observe
