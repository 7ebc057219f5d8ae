// A synchronous test network for the Raft core (the shape of etcd's
// raft_test.go network): every member has a memory_storage, each ready batch
// is saved (and persisted() called) before its messages are queued (a
// leader's appends and heartbeats go first, as the driver may send them
// before its save), and deliver() runs the queue dry.
// Links can be cut, members crashed (storage kept) and restarted.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/manager/raft/raft.hpp"

namespace troupe::raft::test {

struct harness {
  explicit harness(std::vector<std::string> ids, config base = {})
    : ids(std::move(ids)), base(base) {
    for (const auto& id : this->ids) {
      stores[id] = std::make_unique<memory_storage>();
      start(id);
    }
  }

  config cfg_for(const std::string& id) const {
    config c = base;
    c.id = id;
    c.voters = ids;
    c.seed = std::hash<std::string>{}(id) + base.seed;
    return c;
  }
  void start(const std::string& id) {
    std::string err;
    nodes[id] = raft_node::create(cfg_for(id), *stores[id], &err);
    ASSERT_TRUE(nodes[id]) << err;
    applied[id].clear();
  }
  void crash(const std::string& id) { nodes.erase(id); }
  raft_node& operator[](const std::string& id) { return *nodes.at(id); }

  // Saves and "sends" every ready batch of `id`; applies committed entries.
  void drain(const std::string& id) {
    auto& n = *nodes.at(id);
    while (n.has_ready()) {
      ready rd = n.take_ready();
      ++readies[id];
      for (auto& m : rd.leader_messages)
        queue.push_back(std::move(m));
      std::string err;
      ASSERT_TRUE(stores[id]->save(rd, &err)) << err;
      n.persisted(rd.stable_index, rd.stable_term);
      for (auto& m : rd.messages)
        queue.push_back(std::move(m));
      if (rd.snapshot) {
        restored[id] = *rd.snapshot;
        applied[id].clear();
      }
      for (auto& e : rd.committed)
        if (e.type() == entry_normal)
          applied[id].push_back(e.data());
      for (auto& r : rd.read_states)
        reads[id].push_back(r);
    }
  }
  bool linked(const std::string& a, const std::string& b) const {
    return !cut.count({a, b}) && !cut.count({b, a}) && nodes.count(b);
  }
  // Runs the network until no member has anything left to say.
  void deliver() {
    for (int guard = 0; guard < 100000; ++guard) {
      for (auto& [id, n] : nodes)
        drain(id);
      if (queue.empty())
        return;
      auto m = std::move(queue.front());
      queue.pop_front();
      if (observe)
        observe(m);
      if (drop_types.count(m.type()) || !linked(m.from(), m.to()))
        continue;
      nodes[m.to()]->step(m);
    }
    FAIL() << "the network did not settle";
  }
  void tick(const std::string& id, int times = 1) {
    for (int i = 0; i < times; ++i) {
      nodes.at(id)->tick();
      deliver();
    }
  }
  void tick_all(int times = 1) {
    for (int i = 0; i < times; ++i) {
      for (auto& [id, n] : nodes)
        n->tick();
      deliver();
    }
  }
  // Ticks `id` alone until it has campaigned; the network then settles.
  void campaign(const std::string& id) {
    for (int i = 0; i < 4 * base.election_ticks; ++i) {
      nodes.at(id)->tick();
      if (nodes.at(id)->state() != role::follower)
        break;
    }
    deliver();
  }
  void isolate(const std::string& id) {
    for (const auto& o : ids)
      if (o != id)
        cut.insert({id, o});
  }
  void heal() { cut.clear(); }
  std::string leader() const {
    for (const auto& [id, n] : nodes)
      if (n->state() == role::leader)
        return id;
    return "";
  }

  std::vector<std::string> ids;
  config base;
  std::map<std::string, std::unique_ptr<memory_storage>> stores;
  std::map<std::string, std::unique_ptr<raft_node>> nodes;
  std::map<std::string, std::vector<std::string>> applied;
  std::map<std::string, std::vector<read_state>> reads;
  std::map<std::string, pb::RaftSnapshot> restored;
  std::map<std::string, size_t> readies; // batches taken (= saves)
  std::set<std::pair<std::string, std::string>> cut;
  std::set<int> drop_types;
  std::function<void(const pb::RaftMessage&)> observe; // sees every message
  std::deque<pb::RaftMessage> queue;
};

inline const std::vector<std::string> three{"a", "b", "c"};

} // namespace troupe::raft::test
