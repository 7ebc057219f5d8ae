// volume_queries: see volume_queries.hpp.
#include "actors/manager/core/volume_queries.hpp"

#include "config/volume_name.hpp"

namespace troupe {

namespace {

bool live(const pb::Task& t) {
  return t.state() >= pb::ASSIGNED && !is_terminal(t.state());
}

pb::Response error_response(const std::string& why) {
  pb::Response r;
  r.set_error(why);
  return r;
}

} // namespace

pb::VolumeSummary summarize_volume(const cluster_state& view, const pb::Volume& volume) {
  pb::VolumeSummary out;
  *out.mutable_volume() = volume;
  if (const auto* node = view.find_node(volume.node()))
    out.set_node_state(node->state());
  for (const auto* t : view.tasks_on(volume.node())) {
    if (!live(*t))
      continue;
    for (const auto& m : t->spec().mounts())
      if (volume_name(*t, m) == volume.name()) {
        out.add_tasks(t->id());
        break;
      }
  }
  return out;
}

pb::Response answer_volume_read(const cluster_state& view, const pb::Request& req) {
  pb::Response out;
  out.set_index(view.index());
  if (req.kind_case() == pb::Request::kInspectVolume) {
    const auto* v = view.find_volume(req.inspect_volume());
    if (v == nullptr)
      return error_response("no volume named '" + req.inspect_volume().substr(0, 256) + "'");
    *out.add_volumes() = summarize_volume(view, *v);
    return out;
  }
  for (const auto& [name, v] : view.volumes())
    *out.add_volumes() = summarize_volume(view, v);
  return out;
}

volume_removal plan_volume_removal(const cluster_state& view, const pb::VolumeRemoval& req) {
  volume_removal out;
  const auto* v = view.find_volume(req.name());
  if (v == nullptr) {
    out.error = "no volume named '" + req.name().substr(0, 256) + "'";
    return out;
  }
  auto summary = summarize_volume(view, *v);
  if (summary.tasks_size() > 0) {
    out.error = "volume " + v->name() + " is in use by task " + summary.tasks(0)
                + (summary.tasks_size() > 1
                     ? " and " + std::to_string(summary.tasks_size() - 1) + " more"
                     : "")
                + ": remove or scale down its service first";
    return out;
  }
  if (summary.node_state() != "ready") {
    if (req.force()) {
      out.forget_only = true;
      return out;
    }
    out.error = "node " + v->node() + ", which holds volume " + v->name() + ", is "
                + (summary.node_state().empty() ? "not in the cluster" : summary.node_state())
                + ": its data cannot be removed now (--force forgets the volume and "
                  "leaves its data on that node)";
    return out;
  }
  out.node = v->node();
  return out;
}

pb::Entry forget_volume(const std::string& name) {
  pb::Entry entry;
  entry.add_changes()->set_remove_volume(name);
  return entry;
}

} // namespace troupe
