// plan_rollout_request (see rollout_request.hpp).
#include "actors/manager/core/rollout_request.hpp"

#include <google/protobuf/util/message_differencer.h>

#include "actors/manager/core/rollout_apply.hpp"
#include "config/stack_file.hpp"

namespace troupe {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

bool plan_update(const cluster_state& view, const pb::ServiceUpdateRequest& u,
                 pb::Entry* entry, std::string* error, const input_limits& limits) {
  auto svc = view.find_service(u.service());
  if (svc == nullptr) {
    *error = "no service named '" + u.service() + "'";
    return false;
  }
  pb::ServiceSpec spec;
  if (!updated_spec(*svc, u, &spec, error))
    return false;
  // The new spec is checked as the whole stack would be.
  pb::StackSpec stack;
  stack.set_name(spec.stack());
  auto st = view.stacks().find(spec.stack());
  if (st != view.stacks().end())
    for (const auto& name : st->second.services()) {
      auto other = view.find_service(name);
      if (other != nullptr && name != spec.name())
        *stack.add_services() = other->spec();
    }
  *stack.add_services() = spec;
  declare_mounted_volumes(&stack);
  auto problems = validate_stack_spec(stack, limits);
  if (!problems.empty()) {
    *error = "service '" + u.service() + "' cannot be updated: " + join(problems);
    return false;
  }
  if (google::protobuf::util::MessageDifferencer::Equals(spec, svc->spec())) {
    *error = "service '" + u.service()
             + "' already has this spec (nothing to update; --force rolls it anyway)";
    return false;
  }
  *entry->add_changes()->mutable_update_service() = std::move(spec);
  return true;
}

bool plan_rollback(const cluster_state& view, const std::string& name,
                   pb::Entry* entry, std::string* error) {
  auto svc = view.find_service(name);
  if (svc == nullptr) {
    *error = "no service named '" + name + "'";
    return false;
  }
  if (!svc->has_previous_spec()) {
    *error = "service '" + name + "' has no previous spec to roll back to";
    return false;
  }
  auto* r = entry->add_changes()->mutable_rollback_service();
  r->set_service(name);
  r->set_spec_version(svc->spec_version());
  return true;
}

} // namespace

bool plan_rollout_request(const cluster_state& view, const pb::Request& req,
                          pb::Entry* entry, std::string* error,
                          const input_limits& limits) {
  if (req.kind_case() == pb::Request::kUpdateService)
    return plan_update(view, req.update_service(), entry, error, limits);
  if (req.kind_case() == pb::Request::kRollbackService)
    return plan_rollback(view, req.rollback_service(), entry, error);
  *error = "this request is not a rollout";
  return false;
}

} // namespace troupe
