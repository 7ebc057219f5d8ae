// The Raft consensus core of the replicated managers (the etcd/raft shape):
// a pure state machine with no I/O, no threads, no clock and no CAF inside.
//
// Driving it (what the raft actor does):
//   auto node = raft_node::create(cfg, storage, &err);   // once, from storage
//   every timer period:          node->tick();
//   each peer RaftMessage:       node->step(msg);
//   a client write:              node->propose(bytes) -> result{index, term}
//                                (not_leader/no_leader: forward to leader_hint)
//   a linearizable read:         node->read_index(ctx)  (ctx unique per read)
//   graceful stop:               node->transfer_leadership(peer)
//   app made a snapshot:         node->compact(applied_index, state_bytes)
//   after each of those calls, while node->has_ready():
//     ready rd = node->take_ready();
//     send rd.leader_messages      // may go before the save (etcd's shape)
//     storage.save(rd)             // durable; on failure stop the member
//     node->persisted(rd.stable_index, rd.stable_term)
//     send rd.messages             // only now (each has .to())
//     if (rd.snapshot) restore the state machine from rd.snapshot->data()
//     apply rd.committed in order  // type entry_noop carries no data
//     serve rd.read_states whose index <= applied index
// The save may run elsewhere (a writer thread): the driver may take further
// batches meanwhile, but saves them, and finishes them (persisted, messages,
// apply, reads), strictly in the order they were taken.
// A proposal is committed when an entry with its (index, term) shows up in
// `committed`; the same index with another term means it was lost: retry.
//
// Batching: proposals and reads of one driver turn share the work. Appends
// go out when the batch is taken (one message per follower for everything
// proposed since the last take_ready), reads started in one turn share one
// heartbeat round, and the leader keeps up to max_inflight appends in flight
// per follower without waiting for their answers (pipelining; bounded in
// count and bytes). The leader counts its own log towards a commit only up
// to what persisted() reported. Heartbeat responses promise nothing about
// the log, so they too are in leader_messages (sent before the save): a
// follower busy saving a large batch still shows it is alive.
//
// Safety properties (tested by tests/unit/raft/sim_*): at most one leader per
// term; logs that agree on (index, term) agree on every earlier entry; a
// leader holds every committed entry; every member applies the same entries
// in the same order. Malformed peer messages (unknown type, a sender or
// addressee that is not a member, stale terms) are ignored.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/manager/raft/raft_log.hpp"
#include "actors/manager/raft/raft_storage.hpp"
#include "actors/manager/raft/raft_types.hpp"

namespace troupe::raft {

class raft_node {
public:
  /// Builds the member from its durable state. nullptr with *error set when
  /// the config is invalid (id not among voters, duplicate voters, ticks < 1)
  /// or the storage cannot be read.
  static std::unique_ptr<raft_node> create(const config& cfg,
                                           const raft_storage& storage,
                                           std::string* error);

  /// Advances the logical clock by one tick (elections, heartbeats,
  /// check-quorum, transfer timeout).
  void tick();
  /// Handles one peer message; false if it was ignored as malformed.
  bool step(const pb::RaftMessage& m);
  /// The driver made the log durable up to `index`, whose entry has `term`
  /// (a ready's stable_index/stable_term). Ignored when that entry was
  /// replaced meanwhile.
  void persisted(uint64_t index, uint64_t term);
  /// Appends `data` as a new entry if this member leads.
  result propose(std::string data);
  /// Starts a linearizable read; a read_state{index, ctx} appears in a later
  /// ready once leadership is confirmed by a heartbeat quorum. On a follower
  /// the request goes to the leader.
  result read_index(std::string ctx);
  /// Leader only: hands leadership to `to` (TimeoutNow once it is caught up);
  /// proposals fail with `transferring` until it ends (one election timeout).
  result transfer_leadership(const std::string& to);
  /// The app snapshotted its state at `index` (<= applied): the log before
  /// it is dropped; the snapshot is saved via the next ready and sent to
  /// followers that fall behind it.
  result compact(uint64_t index, std::string data);

  bool has_ready() const;
  ready take_ready();

  status get_status() const;
  role state() const { return role_; }
  uint64_t term() const { return term_; }
  const std::string& leader() const { return lead_; }
  const std::string& id() const { return cfg_.id; }
  const raft_log& log() const { return log_; }

private:
  struct progress {
    uint64_t match = 0, next = 1;
    bool replicate = false;  // optimistic pipelining, else probe one at a time
    bool paused = false;     // probe: a message is in flight
    bool recent_active = false;  // heard from in this check-quorum window
    bool was_active = false;     // ... in the previous one
    uint64_t hb_match = 0;       // match at the previous heartbeat response
    int stalls = 0;              // heartbeat responses in a row without progress
    struct append { uint64_t last; size_t bytes; };
    std::deque<append> inflight; // replicate: each append with entries not
    size_t inflight_bytes = 0;   // yet acknowledged, and their entry data
    void sent(uint64_t last, size_t bytes) {
      inflight.push_back({last, bytes});
      inflight_bytes += bytes;
    }
    void acked(uint64_t index) {
      while (!inflight.empty() && inflight.front().last <= index) {
        inflight_bytes -= inflight.front().bytes;
        inflight.pop_front();
      }
    }
    void forget_inflight() {
      inflight.clear();
      inflight_bytes = 0;
    }
  };
  struct read_request {
    std::string ctx, from; // from = "" for a local read
    uint64_t index = 0;
    std::set<std::string> acks;
  };

  explicit raft_node(const config& cfg);
  size_t quorum() const { return cfg_.voters.size() / 2 + 1; }
  bool is_voter(const std::string& id) const;
  void send(pb::RaftMessage m);
  void flush(); // the appends and read round deferred to take_ready
  pb::RaftHardState hard_state() const;

  // raft_election.cpp
  void reset(uint64_t term);
  void become_follower(uint64_t term, const std::string& lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void campaign(bool pre_vote, bool transfer);
  void step_vote_request(const pb::RaftMessage& m);
  void step_vote_response(const pb::RaftMessage& m);
  bool step_term(const pb::RaftMessage& m);
  void tick_election();
  void tick_heartbeat();

  // raft_replication.cpp
  void send_append(const std::string& to);
  void bcast_append();
  void bcast_heartbeat(const std::string& ctx);
  void handle_append(const pb::RaftMessage& m);
  void handle_append_response(const pb::RaftMessage& m);
  void handle_heartbeat(const pb::RaftMessage& m);
  void handle_heartbeat_response(const pb::RaftMessage& m);
  bool maybe_commit();
  void step_leader(const pb::RaftMessage& m);
  void step_follower(const pb::RaftMessage& m);

  // raft_snapshot.cpp (snapshots, reads, transfer)
  void send_snapshot(const std::string& to, progress& pr);
  void handle_snapshot(const pb::RaftMessage& m);
  void start_read(std::string ctx, std::string from);
  void ack_read(const std::string& from, const std::string& ctx);
  void answer_read(const read_request& r);
  void abort_transfer() { transferee_.clear(); }

  config cfg_;
  raft_log log_;
  std::mt19937_64 rng_;
  role role_ = role::follower;
  uint64_t term_ = 0;
  std::string vote_, lead_, transferee_;
  std::map<std::string, progress> prs_;  // peers, leader only
  std::map<std::string, bool> votes_;    // candidate/pre-candidate
  int election_elapsed_ = 0, heartbeat_elapsed_ = 0, timeout_ = 0;
  std::deque<read_request> reads_;       // leader's pending read rounds
  std::vector<pb::RaftMessage> msgs_;
  std::vector<pb::RaftMessage> leader_msgs_; // sendable before the save
  bool bcast_pending_ = false; // new entries or commit to send to everyone
  bool read_round_pending_ = false; // reads_ wait for their heartbeat round
  // Follower: reads of this turn go to the leader as one READ_INDEX (the
  // last ctx); its answer serves them all.
  std::vector<std::string> reads_to_forward_;
  std::map<std::string, std::vector<std::string>> forwarded_; // last ctx -> all
  std::vector<read_state> read_states_;
  std::optional<pb::RaftSnapshot> install_, compacted_;
  pb::RaftHardState saved_hs_;           // last hard state handed out
};

} // namespace troupe::raft
