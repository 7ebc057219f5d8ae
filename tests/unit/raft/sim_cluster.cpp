// The simulation driver (see sim_cluster.hpp).
#include "tests/unit/raft/sim_world.hpp"

#include <algorithm>

namespace troupe::raft::sim {
namespace {

class world {
public:
  explicit world(const options& opt) : opt_(opt), rng_(opt.seed) {
    for (size_t i = 0; i < opt.members; ++i)
      ids_.push_back("m" + std::to_string(i));
    ms_.resize(opt.members);
    for (size_t i = 0; i < opt.members; ++i) {
      ms_[i].id = ids_[i];
      start(ms_[i]);
    }
  }

  result run() {
    for (; round_ < opt_.chaos_rounds && ok(); ++round_) {
      chaos();
      step_round();
      if (round_ % 25 == 0)
        check_.log_matching(ms_);
    }
    settle();
    check_.log_matching(ms_);
    if (ok())
      check_.final_state(ms_);
    res_.violation = check_.violation;
    res_.commits = check_.committed.size();
    res_.acked = check_.acked.size();
    res_.elections = check_.leaders.size();
    res_.rounds = static_cast<size_t>(round_);
    res_.reads = check_.reads;
    return res_;
  }

private:
  bool ok() const { return check_.violation.empty(); }
  bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void start(member& m) {
    config c;
    c.id = m.id;
    c.voters = ids_;
    c.election_ticks = 10;
    c.heartbeat_ticks = 2;
    c.max_entries_per_msg = 8;
    c.seed = opt_.seed * 7919 + m.restarts * 131 + std::hash<std::string>{}(m.id);
    std::string err;
    m.node = raft_node::create(c, *m.store, &err);
    if (!m.node)
      return check_.fail("restart of " + m.id + " failed: " + err);
    auto snap = m.store->snapshot(); // the app restores its last snapshot
    m.sm = decode(snap.data());
    m.applied = m.last_compact = snap.index();
    m.pending.clear();
    m.reads.clear();
  }

  void crash(member& m) {
    res_.lost_batches += m.saving.size();
    m.saving.clear(); // never reached the disk
    m.node.reset();
    m.restart_at = round_ + 5 + static_cast<int>(pick(30));
    ++m.restarts;
    ++res_.crashes;
  }

  size_t down() const {
    return std::count_if(ms_.begin(), ms_.end(), [](auto& m) { return !m.node; });
  }

  // Take every batch; send a leader's appends at once; save (now, or later
  // with save_delay), then send, apply; maybe crash before a save.
  void process(member& m) {
    while (m.node && m.node->has_ready() && ok()) {
      ready rd = m.node->take_ready();
      for (auto& msg : rd.leader_messages)
        send(std::move(msg));
      rd.leader_messages.clear();
      if (opt_.lose_unpersisted && !calm_ && chance(opt_.crash / 20) && down() < ms_.size() / 2)
        return crash(m); // the batch never reached the disk
      int delay = static_cast<int>(pick(static_cast<size_t>(opt_.save_delay) + 1));
      m.saving.push_back({round_ + delay, std::move(rd), false});
      if (!finish_saves(m)) // pipelined: later batches are taken meanwhile
        return;
    }
  }

  // Finishes batches that need not wait for their own save once those
  // before them are finished; saves the batches whose time has come, in
  // order, folding consecutive ones into one save, and finishes each.
  // False if m is gone or a check failed.
  bool finish_saves(member& m) {
    for (;;) {
      if (!m.node || !ok())
        return false;
      for (auto& u : m.saving) {
        if (u.finished)
          continue;
        if (u.rd.wait_for_save)
          break;
        u.finished = true; // its save stays queued, in order
        finish(m, u.rd);
      }
      if (m.saving.empty() || m.saving.front().due > round_)
        return true;
      size_t n = 1;
      ready all = m.saving.front().rd;
      while (n < m.saving.size() && m.saving[n].due <= round_
             && fold_batch(all, m.saving[n].rd))
        ++n;
      res_.folded += n - 1;
      std::string err;
      if (!m.store->save(all, &err)) {
        check_.fail(m.id + " could not save: " + err);
        return false;
      }
      for (size_t i = 0; i < n && m.node && ok(); ++i) {
        unsaved u = std::move(m.saving.front());
        m.saving.pop_front();
        if (!u.finished)
          finish(m, u.rd);
      }
    }
  }

  // After rd is durable (or needs not be): tell the core, send, restore,
  // apply, read. Leaves what rd persists in place.
  void finish(member& m, ready& rd) {
    m.node->persisted(rd.stable_index, rd.stable_term);
    for (auto& msg : rd.messages)
      send(std::move(msg));
    rd.messages.clear();
    if (rd.snapshot) {
      check_.restored(m, *rd.snapshot);
      m.last_compact = rd.snapshot->index();
      ++res_.snapshots_installed;
    }
    for (const auto& e : rd.committed)
      check_.applied(m, e);
    for (const auto& r : rd.read_states)
      check_.read(m, r);
    if (m.applied >= m.last_compact + opt_.snapshot_every) {
      m.node->compact(m.applied, encode(m.sm));
      m.last_compact = m.applied;
    }
    check_.observe(m);
  }

  void send(pb::RaftMessage msg) {
    if (chance(loss_))
      return;
    int copies = chance(dup_) ? 2 : 1;
    for (int i = 0; i < copies; ++i)
      net_.push_back({round_ + static_cast<int>(pick(opt_.max_delay + 1)), msg});
  }

  member* find(const std::string& id) {
    for (auto& m : ms_)
      if (m.id == id)
        return &m;
    return nullptr;
  }

  void deliver() {
    std::vector<in_flight> due, later;
    for (auto& f : net_)
      (f.at <= round_ ? due : later).push_back(std::move(f));
    net_ = std::move(later);
    std::shuffle(due.begin(), due.end(), rng_); // reordering
    for (auto& f : due) {
      member* from = find(f.m.from());
      member* to = find(f.m.to());
      if (!to || !to->node || !from || from->group != to->group)
        continue;
      to->node->step(f.m);
      process(*to);
    }
  }

  void step_round() {
    for (auto& m : ms_) {
      if (m.node && finish_saves(m))
        process(m);
      if (!m.node)
        continue;
      m.node->tick();
      process(m);
    }
    deliver();
  }

  member* leader() {
    member* best = nullptr;
    for (auto& m : ms_)
      if (m.node && m.node->state() == role::leader
          && (!best || m.node->term() > best->node->term()))
        best = &m;
    return best;
  }

  int burst() { return 1 + static_cast<int>(pick(static_cast<size_t>(opt_.burst))); }

  // A burst of proposals in one driver turn: they share one batch.
  void propose(member& l) {
    for (int k = burst(); k > 0; --k) {
      std::string data = "s" + std::to_string(opt_.seed) + "-" + std::to_string(next_++);
      auto r = l.node->propose(data);
      if (r.ok())
        l.pending[r.index] = {r.term, data};
    }
    process(l);
  }

  void chaos() {
    for (auto& m : ms_)
      if (!m.node && round_ >= m.restart_at)
        start(m);
    if (chance(opt_.partition))
      for (auto& m : ms_)
        m.group = static_cast<int>(pick(2));
    else if (chance(opt_.heal))
      for (auto& m : ms_)
        m.group = 0;
    if (chance(opt_.crash) && down() < ms_.size() / 2) {
      auto& m = ms_[pick(ms_.size())];
      if (m.node)
        crash(m);
    }
    member* l = leader();
    if (l && chance(opt_.propose))
      propose(*l);
    if (chance(opt_.read)) {
      auto& m = ms_[pick(ms_.size())];
      uint64_t seen = check_.committed.empty() ? 0 : check_.committed.rbegin()->first;
      for (int k = burst(); k > 0 && m.node; --k) {
        std::string ctx = "read-" + std::to_string(next_++);
        if (m.node->read_index(ctx).ok())
          m.reads[ctx] = seen;
      }
      process(m);
    }
    l = leader(); // processing may have crashed it
    if (l && chance(opt_.transfer)) {
      l->node->transfer_leadership(ids_[pick(ids_.size())]);
      process(*l);
    }
  }

  // Heal, restart everyone, stop losing messages; wait for convergence.
  void settle() {
    loss_ = dup_ = 0;
    calm_ = true;
    for (auto& m : ms_) {
      m.group = 0;
      if (!m.node)
        start(m);
    }
    int end = round_ + opt_.settle_rounds;
    bool proposed = false;
    for (; round_ < end && ok(); ++round_) {
      step_round();
      member* l = leader();
      if (l && !proposed) { // one more entry of the final term
        propose(*l);
        proposed = true;
      }
      if (l && converged(*l))
        return;
    }
    check_.fail("the cluster did not converge after healing");
  }

  bool converged(const member& l) const {
    uint64_t last = l.node->log().last_index();
    if (l.node->get_status().commit_index != last)
      return false;
    return std::all_of(ms_.begin(), ms_.end(), [&](const member& m) {
      return m.node && m.applied == last && m.node->log().last_index() == last
             && m.node->leader() == l.id;
    });
  }

  options opt_;
  std::mt19937_64 rng_;
  std::vector<std::string> ids_;
  std::vector<member> ms_;
  std::vector<in_flight> net_;
  checker check_;
  result res_;
  int round_ = 0;
  size_t next_ = 0;
  double loss_ = opt_.loss, dup_ = opt_.duplicate;
  bool calm_ = false; // settling: no more crashes
};

} // namespace

result run(const options& opt) { return world(opt).run(); }

} // namespace troupe::raft::sim
