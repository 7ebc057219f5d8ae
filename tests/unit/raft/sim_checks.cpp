// The simulation's safety checks (see sim_world.hpp).
#include "tests/unit/raft/sim_world.hpp"

#include <set>
#include <sstream>

namespace troupe::raft::sim {

std::string encode(const std::vector<std::string>& sm) {
  std::string out;
  for (const auto& s : sm)
    out += s + "\n";
  return out;
}

std::vector<std::string> decode(const std::string& data) {
  std::vector<std::string> out;
  std::istringstream in(data);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

static bool same(const pb::RaftEntry& a, const pb::RaftEntry& b) {
  return a.index() == b.index() && a.term() == b.term() && a.type() == b.type()
         && a.data() == b.data();
}

void checker::applied(member& who, const pb::RaftEntry& e) {
  if (e.index() != who.applied + 1)
    fail(who.id + " applied index " + std::to_string(e.index()) + " after "
         + std::to_string(who.applied));
  auto [it, fresh] = committed.emplace(e.index(), e);
  if (!fresh && !same(it->second, e))
    fail("state machine safety: two different entries applied at index "
         + std::to_string(e.index()));
  who.applied = e.index();
  if (e.type() == entry_normal)
    who.sm.push_back(e.data());
  auto p = who.pending.find(e.index());
  if (p != who.pending.end()) {
    if (p->second == std::make_pair(e.term(), e.data()))
      acked.push_back(e.data());
    who.pending.erase(p);
  }
}

void checker::restored(member& who, const pb::RaftSnapshot& s) {
  std::vector<std::string> want;
  for (const auto& [i, e] : committed)
    if (i <= s.index() && e.type() == entry_normal)
      want.push_back(e.data());
  if (committed.empty() || committed.rbegin()->first < s.index())
    fail(who.id + " got a snapshot beyond anything committed");
  who.sm = decode(s.data());
  who.applied = s.index();
  if (who.sm != want)
    fail(who.id + " restored a snapshot that is not the committed prefix");
  who.pending.erase(who.pending.begin(), who.pending.upper_bound(s.index()));
}

void checker::observe(const member& who) {
  const auto& n = *who.node;
  if (n.state() != role::leader)
    return;
  auto [it, fresh] = leaders.emplace(n.term(), who.id);
  if (it->second != who.id)
    fail("election safety: " + it->second + " and " + who.id
         + " both lead term " + std::to_string(n.term()));
  if (!fresh)
    return;
  const auto& log = n.log(); // leader completeness, checked once per term
  for (auto c = committed.lower_bound(log.first_index()); c != committed.end(); ++c)
    if (log.term(c->first) != c->second.term())
      fail("leader completeness: " + who.id + " leads term "
           + std::to_string(n.term()) + " without committed entry "
           + std::to_string(c->first));
}

void checker::read(member& who, const read_state& r) {
  auto it = who.reads.find(r.ctx);
  if (it == who.reads.end())
    return; // asked before a restart
  if (r.index < it->second)
    fail("stale read " + r.ctx + " at index " + std::to_string(r.index)
         + ", entry " + std::to_string(it->second) + " was already applied");
  who.reads.erase(it);
  ++reads;
}

void checker::log_matching(const std::vector<member>& ms) {
  for (size_t a = 0; a < ms.size(); ++a)
    for (size_t b = a + 1; b < ms.size(); ++b) {
      if (!ms[a].node || !ms[b].node)
        continue;
      const auto& x = ms[a].node->log();
      const auto& y = ms[b].node->log();
      uint64_t lo = std::max(x.first_index(), y.first_index());
      uint64_t hi = std::min(x.last_index(), y.last_index());
      uint64_t shared = 0; // highest index where both have the same term
      for (uint64_t i = hi; i >= lo && i > 0; --i)
        if (x.term(i) == y.term(i)) {
          shared = i;
          break;
        }
      for (uint64_t i = lo; i <= shared; ++i)
        if (!same(x.at(i), y.at(i)))
          fail("log matching: " + ms[a].id + " and " + ms[b].id
               + " differ at index " + std::to_string(i));
    }
}

void checker::final_state(const std::vector<member>& ms) {
  std::vector<std::string> want;
  for (const auto& [i, e] : committed)
    if (e.type() == entry_normal)
      want.push_back(e.data());
  for (const auto& m : ms)
    if (m.sm != want)
      fail(m.id + " applied " + std::to_string(m.sm.size())
           + " entries, the committed sequence has " + std::to_string(want.size()));
  std::set<std::string> have(want.begin(), want.end());
  for (const auto& a : acked)
    if (!have.count(a))
      fail("acknowledged proposal " + a + " was lost");
  uint64_t expect = 1; // every committed index was applied by someone
  for (const auto& [i, e] : committed)
    if (i != expect++)
      fail("committed index " + std::to_string(i) + " was never applied");
}

} // namespace troupe::raft::sim
