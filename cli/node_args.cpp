#include "cli/node_args.hpp"

#include <set>

#include "actors/manager/core/node_update.hpp"

namespace troupe::cli {

namespace {

bool bad_key(const std::string& key, const std::string& arg,
             const std::string& flag, std::string* error) {
  if (valid_label_key(key))
    return false;
  *error = "invalid " + flag + " \"" + arg
           + "\": the label key must be non-empty and without spaces";
  return true;
}

} // namespace

bool parse_label_args(const std::vector<std::string>& adds,
                      const std::vector<std::string>& removes,
                      pb::NodeUpdate* update, std::string* error) {
  update->clear_labels_add();
  update->clear_labels_rm();
  if (adds.empty() && removes.empty()) {
    *error = "node update needs --label-add KEY=VALUE or --label-rm KEY";
    return false;
  }
  auto& added = *update->mutable_labels_add();
  for (const auto& arg : adds) {
    auto eq = arg.find('=');
    if (eq == std::string::npos) {
      *error = "invalid --label-add \"" + arg
               + "\": expected KEY=VALUE, e.g. zone=eu";
      return false;
    }
    std::string key = arg.substr(0, eq);
    if (bad_key(key, arg, "--label-add", error))
      return false;
    if (!added.insert({key, arg.substr(eq + 1)}).second) {
      *error = "label " + key + " is added more than once";
      return false;
    }
  }
  std::set<std::string> removed;
  for (const auto& key : removes) {
    if (bad_key(key, key, "--label-rm", error))
      return false;
    if (added.count(key) > 0) {
      *error = "label " + key + " is both added and removed";
      return false;
    }
    if (removed.insert(key).second)
      update->add_labels_rm(key);
  }
  return true;
}

} // namespace troupe::cli
