// Builders shared by the pure-core tests: specs, nodes, tasks and entries.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe::test {

inline pb::ServiceSpec service_spec(const std::string& stack,
                                    const std::string& name,
                                    uint32_t replicas = 1) {
  pb::ServiceSpec s;
  s.set_name(stack + "_" + name);
  s.set_stack(stack);
  s.set_short_name(name);
  s.set_driver("process");
  s.add_command("sleep");
  s.add_command("100");
  s.set_mode("replicated");
  s.set_replicas(replicas);
  s.mutable_update()->set_parallelism(1);
  return s;
}

inline pb::StackSpec stack_spec(const std::string& name,
                                std::initializer_list<pb::ServiceSpec> services) {
  pb::StackSpec s;
  s.set_name(name);
  for (auto& svc : services)
    *s.add_services() = svc;
  return s;
}

inline pb::Node node(const std::string& name, double cpus = 0,
                     int64_t memory = 0) {
  pb::Node n;
  n.set_name(name);
  n.set_role("worker");
  n.set_state("ready");
  n.set_availability("active");
  n.set_cpus(cpus);
  n.set_memory_bytes(memory);
  n.set_port_min(30000);
  n.set_port_max(30009);
  n.set_drivers("process,oci");
  return n;
}

/// An entry at `index` (timestamp index * 1000) holding the given changes.
class entry_builder {
public:
  explicit entry_builder(uint64_t index) {
    e_.set_index(index);
    e_.set_term(1);
    e_.set_timestamp(static_cast<int64_t>(index) * 1000);
  }
  entry_builder& deploy(const pb::StackSpec& s) {
    *e_.add_changes()->mutable_deploy_stack() = s;
    return *this;
  }
  entry_builder& remove_stack(const std::string& name) {
    e_.add_changes()->set_remove_stack(name);
    return *this;
  }
  entry_builder& scale(const std::string& svc, uint32_t replicas) {
    auto* s = e_.add_changes()->mutable_scale_service();
    s->set_service(svc);
    s->set_replicas(replicas);
    return *this;
  }
  entry_builder& create(const std::string& id, const std::string& svc,
                        uint32_t slot, uint64_t spec_version = 1) {
    auto* t = e_.add_changes()->mutable_create_task();
    t->set_id(id);
    t->set_service(svc);
    t->set_slot(slot);
    t->set_spec_version(spec_version);
    return *this;
  }
  entry_builder& assign(const std::string& id, const std::string& node,
                        const std::string& msg = "") {
    auto* a = e_.add_changes()->mutable_assign_task();
    a->set_task_id(id);
    a->set_node(node);
    a->set_message(msg);
    return *this;
  }
  entry_builder& status(const std::string& id, pb::TaskState state,
                        int32_t pid = 0, uint32_t restarts = 0) {
    auto* s = e_.add_changes()->mutable_task_status();
    s->set_task_id(id);
    s->set_state(state);
    s->set_pid(pid);
    s->set_restarts(restarts);
    return *this;
  }
  entry_builder& shutdown(const std::string& id) {
    auto* d = e_.add_changes()->mutable_set_desired();
    d->set_task_id(id);
    d->set_desired_state(pb::SHUTDOWN);
    return *this;
  }
  entry_builder& remove_task(const std::string& id) {
    e_.add_changes()->set_remove_task(id);
    return *this;
  }
  entry_builder& put_node(const pb::Node& n) {
    *e_.add_changes()->mutable_put_node() = n;
    return *this;
  }
  entry_builder& node_status(const std::string& name, const std::string& state,
                             const std::string& availability) {
    auto* s = e_.add_changes()->mutable_node_status();
    s->set_name(name);
    s->set_state(state);
    s->set_availability(availability);
    return *this;
  }
  entry_builder& change(const pb::Change& c) {
    *e_.add_changes() = c;
    return *this;
  }
  const pb::Entry& entry() const { return e_; }
  operator const pb::Entry&() const { return e_; }

private:
  pb::Entry e_;
};

} // namespace troupe::test
