// Spec changes, rollbacks and rollout progress of one service (see
// rollout_apply.hpp).
#include "actors/manager/core/rollout_apply.hpp"

#include <algorithm>

#include <google/protobuf/util/message_differencer.h>

#include "config/service_mode.hpp"

namespace troupe {
namespace {

bool same(const google::protobuf::Message& a,
          const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

void start_rollout(pb::Service& svc, const std::string& state,
                   const std::string& message, int64_t now) {
  pb::UpdateStatus s;
  s.set_state(state);
  s.set_message(message);
  s.set_started_at(now);
  s.set_spec_version(svc.spec_version());
  *svc.mutable_update_status() = std::move(s);
}

} // namespace

bool set_service_spec(pb::Service& svc, const pb::ServiceSpec& spec,
                      int64_t now) {
  if (same(svc.spec(), spec))
    return false;
  pb::ServiceSpec rescaled = svc.spec();
  rescaled.set_replicas(spec.replicas());
  bool new_spec = !same(rescaled, spec);
  if (new_spec) {
    *svc.mutable_previous_spec() = svc.spec();
    uint64_t next = std::max(svc.spec_version(), svc.previous_spec_version()) + 1;
    svc.set_previous_spec_version(svc.spec_version());
    svc.set_spec_version(next);
  }
  *svc.mutable_spec() = spec;
  if (new_spec && !is_job_mode(spec)) // a changed job simply runs again
    start_rollout(svc, "updating", "", now);
  svc.set_version(svc.version() + 1);
  svc.set_updated_at(now);
  return true;
}

bool rollback_service(pb::Service& svc, const pb::RollbackService& r,
                      int64_t now) {
  if (!svc.has_previous_spec()
      || (r.spec_version() != 0 && r.spec_version() != svc.spec_version()))
    return false;
  pb::ServiceSpec back = svc.previous_spec();
  back.set_replicas(svc.spec().replicas()); // a rollback keeps the scale
  *svc.mutable_previous_spec() = svc.spec();
  *svc.mutable_spec() = std::move(back);
  uint64_t v = svc.spec_version();
  svc.set_spec_version(svc.previous_spec_version() != 0
                         ? svc.previous_spec_version()
                         : v + 1);
  svc.set_previous_spec_version(v);
  start_rollout(svc, "rollback_started",
                r.reason().empty() ? "rollback requested" : r.reason(), now);
  svc.set_version(svc.version() + 1);
  svc.set_updated_at(now);
  return true;
}

bool set_update_status(pb::Service& svc, const pb::UpdateStatus& status,
                       int64_t now) {
  if (status.spec_version() != svc.spec_version()
      || same(status, svc.update_status()))
    return false;
  *svc.mutable_update_status() = status;
  svc.set_version(svc.version() + 1);
  svc.set_updated_at(now);
  return true;
}

bool updated_spec(const pb::Service& svc, const pb::ServiceUpdateRequest& req,
                  pb::ServiceSpec* out, std::string* error) {
  pb::ServiceSpec spec = svc.spec();
  const std::string& name = spec.name();
  if (!req.image().empty()) {
    if (spec.driver() != "oci") {
      *error = "service '" + name + "' uses the " + spec.driver()
               + " driver, which has no image";
      return false;
    }
    spec.set_image(req.image());
    spec.clear_rootfs();
  }
  if (req.set_command()) {
    if (req.command_size() == 0) {
      *error = "--command needs at least one word";
      return false;
    }
    *spec.mutable_command() = req.command();
  }
  for (const auto& key : req.env_rm()) {
    if (spec.env().count(key) == 0) {
      *error = "service '" + name + "' has no environment variable '" + key + "'";
      return false;
    }
    spec.mutable_env()->erase(key);
  }
  for (const auto& [k, v] : req.env_add()) {
    if (k.empty()) {
      *error = "--env needs KEY=VALUE with a non-empty KEY";
      return false;
    }
    (*spec.mutable_env())[k] = v;
  }
  if (req.set_replicas()) {
    if (is_global_mode(spec)) {
      *error = "service '" + name
               + "' runs in global mode (one task per node) and has no replica count";
      return false;
    }
    if (is_job_mode(spec)) {
      *error = "service '" + name + "' is a job (mode " + spec.mode()
               + "): it has completions, not a replica count";
      return false;
    }
    spec.set_replicas(req.replicas());
  }
  if (req.set_update()) {
    const auto& u = req.update();
    auto* p = spec.mutable_update();
    if (u.parallelism() > 0) p->set_parallelism(u.parallelism());
    if (u.delay_ms() > 0) p->set_delay_ms(u.delay_ms());
    if (u.monitor_ms() > 0) p->set_monitor_ms(u.monitor_ms());
    if (!u.failure_action().empty()) p->set_failure_action(u.failure_action());
    if (u.max_failure_ratio() > 0) p->set_max_failure_ratio(u.max_failure_ratio());
    if (!u.order().empty()) p->set_order(u.order());
  }
  if (req.force())
    (*spec.mutable_labels())["troupe.force"] =
      std::to_string(svc.spec_version() + 1);
  *out = std::move(spec);
  return true;
}

} // namespace troupe
