#include "actors/observe/registry.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>

#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/type_nr.hpp>

#include "actors/observe/probe.hpp"
#include "messages/errors.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::observe {

namespace {

constexpr uint16_t atom_nr = caf::type_nr<caf::atom_value>::value;

struct sig_values {
  uint16_t nr0 = 0, nr1 = 0;
  const std::type_info* ti0 = nullptr;
  const std::type_info* ti1 = nullptr;
  uint64_t atom = 0;
  uint32_t elements = 0;
};

sig_values read_sig(const caf::mailbox_element& x) {
  sig_values v;
  const auto& c = x.content();
  v.elements = static_cast<uint32_t>(c.size());
  if (v.elements > 0) {
    auto t = c.type(0);
    v.nr0 = t.first;
    v.ti0 = t.second;
    if (t.first == atom_nr)
      v.atom = static_cast<uint64_t>(
        *static_cast<const caf::atom_value*>(c.get(0)));
  }
  if (v.elements > 1) {
    auto t = c.type(1);
    v.nr1 = t.first;
    v.ti1 = t.second;
  }
  return v;
}

std::string sig_name(const caf::actor_system& sys, const sig_values& v) {
  if (v.elements == 0)
    return "()";
  std::string out = "(" + type_name(sys, v.nr0, v.ti0, v.atom);
  if (v.elements > 1)
    out += ", " + type_name(sys, v.nr1, v.ti1, 0);
  if (v.elements > 2)
    out += ", ...";
  return out + ")";
}

void fill_counters(const actor_entry& e, pb::ActorInfo& out) {
  out.set_id(e.id);
  out.set_parent(e.parent);
  out.set_started_ms(e.started_ms);
  auto processed = e.processed.load(std::memory_order_relaxed);
  auto enqueued = e.enqueued.load(std::memory_order_relaxed);
  out.set_processed(processed);
  out.set_mailbox(enqueued > processed ? enqueued - processed : 0);
  out.set_busy_ns(ticks_to_ns(e.busy_ticks.load(std::memory_order_relaxed)));
  out.set_restarts(e.restarts.load(std::memory_order_relaxed));
  std::lock_guard<std::mutex> guard{e.mtx};
  out.set_name(e.name);
  out.set_kind(to_string(e.kind));
  out.set_summary(e.summary);
  out.set_last_error(e.last_error);
  for (auto l : e.links)
    out.add_links(l);
  for (auto m : e.monitors)
    out.add_monitors(m);
}

} // namespace

uint64_t ticks_to_ns(uint64_t t) {
#if defined(__x86_64__)
  // Calibrated against steady_clock over the life of the process.
  static const auto t0 = std::chrono::steady_clock::now();
  static const uint64_t c0 = ticks();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::steady_clock::now() - t0)
              .count();
  auto c = ticks() - c0;
  if (ns < 1000000 || c == 0)
    return t / 3;  // too early to calibrate: assume ~3 GHz
  return static_cast<uint64_t>(static_cast<double>(t) * ns / c);
#else
  return t;
#endif
}

std::string type_name(const caf::actor_system& sys, uint16_t nr,
                      const std::type_info* ti, uint64_t atom) {
  if (nr == atom_nr)
    return to_string(static_cast<caf::atom_value>(atom));
  const auto& name = sys.types().portable_name(nr, ti);
  if (name != sys.types().default_type_name())
    return name;
  if (ti == nullptr)
    return "?";
  int status = 0;
  char* demangled = abi::__cxa_demangle(ti->name(), nullptr, nullptr, &status);
  std::string out = status == 0 && demangled ? demangled : ti->name();
  std::free(demangled);
  return out;
}

void actor_entry::record(const caf::mailbox_element& x) {
  sig_values v = read_sig(x);
  auto n = recent_next.load(std::memory_order_relaxed);
  auto& s = recent[n % recent_slots];
  s.nr0.store(v.nr0, std::memory_order_relaxed);
  s.nr1.store(v.nr1, std::memory_order_relaxed);
  s.ti0.store(v.ti0, std::memory_order_relaxed);
  s.ti1.store(v.ti1, std::memory_order_relaxed);
  s.atom.store(v.atom, std::memory_order_relaxed);
  s.elements.store(v.elements, std::memory_order_relaxed);
  s.sender.store(x.sender ? x.sender->id() : 0, std::memory_order_relaxed);
  recent_next.store(n + 1, std::memory_order_release);
}

void actor_entry::trace_message(const caf::mailbox_element& x,
                                const caf::actor_system& sys) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> guard{mtx};
  if (!trace)
    return;
  if (now > trace->until) {
    tracing.store(false, std::memory_order_relaxed);
    return;
  }
  auto second = std::chrono::duration_cast<std::chrono::seconds>(
                  now.time_since_epoch())
                  .count();
  if (second != trace->window_second) {
    trace->window_second = second;
    trace->in_window = 0;
  }
  if (trace->in_window >= trace->max_per_second
      || trace->records.size() >= 10000) {
    ++trace->dropped;
    return;
  }
  ++trace->in_window;
  auto v = read_sig(x);
  pb::ActorTraceRecord r;
  r.set_at_ms(unix_now_ms());
  r.set_type(sig_name(sys, v));
  r.set_sender(x.sender ? x.sender->id() : 0);
  r.set_elements(v.elements);
  trace->records.push_back(std::move(r));
}

void registry::add(std::shared_ptr<actor_entry> e) {
  e->started_ms = unix_now_ms();
  ticks_to_ns(0);  // starts the tick calibration
  std::lock_guard<std::mutex> guard{mtx_};
  entries_[e->id] = std::move(e);
}

void registry::remove(uint64_t id, const caf::error& reason) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(id);
  if (i == entries_.end())
    return;
  auto e = i->second;
  entries_.erase(i);
  if (!reason || reason == caf::exit_reason::normal
      || reason == caf::exit_reason::user_shutdown)
    return;
  pb::ActorInfo info;
  fill_counters(*e, info);
  info.set_last_error(to_string(reason));
  info.set_ended(true);
  info.set_mailbox(0);
  failed_.push_back(std::move(info));
  if (failed_.size() > 50)
    failed_.erase(failed_.begin());
}

std::shared_ptr<actor_entry> registry::find(uint64_t id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(id);
  return i == entries_.end() ? nullptr : i->second;
}

std::vector<pb::ActorInfo> registry::snapshot(const caf::actor_system&) const {
  std::vector<std::shared_ptr<actor_entry>> entries;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    entries.reserve(entries_.size());
    for (const auto& [id, e] : entries_)
      entries.push_back(e);
  }
  std::vector<pb::ActorInfo> out(entries.size());
  for (size_t i = 0; i < entries.size(); ++i)
    fill_counters(*entries[i], out[i]);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return out;
}

std::optional<pb::ActorInfo> registry::inspect(uint64_t id,
                                               const caf::actor_system& sys) const {
  auto e = find(id);
  if (!e) {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto i = failed_.rbegin(); i != failed_.rend(); ++i)
      if (i->id() == id)
        return *i;
    return std::nullopt;
  }
  pb::ActorInfo out;
  fill_counters(*e, out);
  auto next = e->recent_next.load(std::memory_order_acquire);
  auto first = next > actor_entry::recent_slots
                 ? next - actor_entry::recent_slots
                 : 0;
  for (auto n = first; n < next; ++n) {
    const auto& s = e->recent[n % actor_entry::recent_slots];
    sig_values v;
    v.nr0 = s.nr0.load(std::memory_order_relaxed);
    v.nr1 = s.nr1.load(std::memory_order_relaxed);
    v.ti0 = s.ti0.load(std::memory_order_relaxed);
    v.ti1 = s.ti1.load(std::memory_order_relaxed);
    v.atom = s.atom.load(std::memory_order_relaxed);
    v.elements = s.elements.load(std::memory_order_relaxed);
    out.add_recent_messages(sig_name(sys, v));
  }
  return out;
}

std::vector<pb::ActorInfo> registry::recently_failed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return failed_;
}

bool registry::start_trace(uint64_t id, std::chrono::milliseconds duration,
                           uint32_t max_per_second) {
  auto e = find(id);
  if (!e)
    return false;
  std::lock_guard<std::mutex> guard{e->mtx};
  trace_state t;
  t.until = std::chrono::steady_clock::now() + duration;
  t.max_per_second = max_per_second == 0 ? 100 : max_per_second;
  e->trace = std::move(t);
  e->tracing.store(true, std::memory_order_relaxed);
  return true;
}

std::vector<pb::ActorTraceRecord> registry::stop_trace(uint64_t id,
                                                       uint64_t* dropped) {
  auto e = find(id);
  if (!e)
    return {};
  std::vector<pb::ActorTraceRecord> out;
  {
    std::lock_guard<std::mutex> guard{e->mtx};
    e->tracing.store(false, std::memory_order_relaxed);
    if (e->trace) {
      out = std::move(e->trace->records);
      if (dropped != nullptr)
        *dropped = e->trace->dropped;
      e->trace.reset();
    }
  }
  // Name the senders that are still alive.
  for (auto& r : out)
    if (auto s = find(r.sender())) {
      std::lock_guard<std::mutex> guard{s->mtx};
      r.set_sender_name(s->name);
    }
  return out;
}

std::string registry::kill(uint64_t id, const std::string& reason) {
  auto e = find(id);
  if (!e)
    return "no actor with id " + std::to_string(id) + " is running on this node";
  {
    std::lock_guard<std::mutex> guard{e->mtx};
    if (!killable(e->kind, e->name))
      return "actor " + std::to_string(id) + " (" + e->name
             + ") is one of the node's core actors and cannot be killed; the console "
               "kills only task, supervisor, service and load-balancer actors";
  }
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(e->addr);
  if (!ptr)
    return "actor " + std::to_string(id) + " has already ended";
  {
    std::lock_guard<std::mutex> guard{e->mtx};
    e->last_error = reason;
  }
  // Not exit_reason::kill: that one also ends every linked actor (CAF does
  // not let an exit handler catch it), and the supervisor must see the death.
  ptr->enqueue(nullptr, caf::make_message_id(),
               caf::make_message(caf::exit_msg{
                 caf::actor_addr{},
                 caf::make_error(error_code::unavailable, reason)}),
               nullptr);
  return {};
}

size_t registry::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return entries_.size();
}

void registry::set_node(std::string name, std::string role) {
  std::lock_guard<std::mutex> guard{mtx_};
  node_name_ = std::move(name);
  node_role_ = std::move(role);
}

pb::ConsoleNode registry::node() const {
  pb::ConsoleNode out;
  std::lock_guard<std::mutex> guard{mtx_};
  out.set_name(node_name_);
  out.set_role(node_role_);
  out.set_now_ms(unix_now_ms());
  return out;
}

void set_node_identity(const caf::actor_system& sys, std::string name,
                       std::string role) {
  if (auto* reg = registry_of(sys))
    reg->set_node(std::move(name), std::move(role));
}

registry* registry_of(const caf::actor_system& sys) {
  auto* cfg = dynamic_cast<const observed_config*>(&sys.config());
  return cfg == nullptr ? nullptr : cfg->introspection.get();
}

std::shared_ptr<registry> shared_registry_of(const caf::actor_system& sys) {
  auto* cfg = dynamic_cast<const observed_config*>(&sys.config());
  return cfg == nullptr ? nullptr : cfg->introspection;
}

void enroll(const std::shared_ptr<registry>& reg,
            const std::shared_ptr<actor_entry>& e, caf::abstract_actor* self,
            const char* default_name) {
  {
    std::lock_guard<std::mutex> guard{e->mtx};
    if (e->name.empty())
      e->name = default_name;
    if (e->kind == actor_kind::other)
      if (auto k = parse_kind(default_name))
        e->kind = *k;
  }
  auto id = e->id;
  self->attach_functor(
    [reg, id](const caf::error& reason) { reg->remove(id, reason); });
}

void set_restarts(const caf::actor_system& sys, uint64_t child,
                  uint32_t restarts, const std::string& last_error) {
  auto* reg = registry_of(sys);
  if (reg == nullptr)
    return;
  if (auto e = reg->find(child)) {
    e->restarts.store(restarts, std::memory_order_relaxed);
    std::lock_guard<std::mutex> guard{e->mtx};
    e->last_error = last_error;
  }
}

} // namespace troupe::observe
