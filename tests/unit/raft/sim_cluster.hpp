// A deterministic simulation of a Raft cluster: seeded message loss, delay,
// reordering, duplication, partitions, crashes and restarts, random bursts
// of proposals and reads, leadership transfers and periodic snapshots. With
// save_delay > 0 the members save like the raft actor does: batches are
// taken while earlier ones are still being saved (pipelined), consecutive
// ones are folded into one save (group commit), a leader's appends go out
// before its own save, and a crash loses every batch not saved yet. After the chaos it
// heals everything and lets the cluster settle, then checks the Raft safety
// properties and that every proposal acknowledged as committed survived.
// Contract: the same options (seed included) give the same run.
#pragma once

#include <cstdint>
#include <string>

namespace troupe::raft::sim {

struct options {
  uint64_t seed = 1;
  size_t members = 3;
  int chaos_rounds = 200;     // one tick per member per round
  int settle_rounds = 400;    // at most, after healing
  double loss = 0.05;         // per message
  double duplicate = 0.03;    // per message
  int max_delay = 3;          // rounds; delays reorder messages
  double partition = 0.03;    // per round: split the cluster at random
  double heal = 0.1;          // per round: end the partition
  double crash = 0.02;        // per round: crash a member
  bool lose_unpersisted = false; // crashes may also hit between take_ready
                                 // and save, losing that whole batch
  int save_delay = 0;         // rounds a save may take (0 = at once)
  double propose = 0.4;       // per round
  int burst = 1;              // proposals (and reads) at once: 1..burst
  double read = 0.2;          // per round: a linearizable read somewhere
  double transfer = 0.01;     // per round: the leader hands over
  uint64_t snapshot_every = 10; // applied entries between compactions
};

struct result {
  std::string violation;   // empty = every check passed
  size_t commits = 0;      // entries committed (applied by some member)
  size_t acked = 0;        // proposals seen committed by their proposer
  size_t rounds = 0;
  size_t elections = 0;    // distinct leader terms
  size_t crashes = 0;
  size_t snapshots_installed = 0;
  size_t reads = 0;        // read states checked against earlier commits
  size_t folded = 0;       // batches saved together with an earlier one
  size_t lost_batches = 0; // batches a crash caught before their save
};

result run(const options& opt);

} // namespace troupe::raft::sim
