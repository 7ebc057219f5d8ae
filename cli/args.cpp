#include "cli/args.hpp"

#include <set>

#include "config/units.hpp"

namespace troupe::cli {

namespace {

constexpr uint32_t max_replicas = 100000;

bool parse_count(const std::string& text, uint32_t* out) {
  if (text.empty() || text.size() > 6)
    return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > max_replicas)
    return false;
  *out = value;
  return true;
}

} // namespace

bool parse_scale_args(const std::vector<std::string>& args,
                      std::vector<pb::ScaleService>* out, std::string* error) {
  std::set<std::string> seen;
  out->clear();
  if (args.empty()) {
    *error = "service scale needs at least one SERVICE=REPLICAS argument";
    return false;
  }
  for (const auto& arg : args) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "invalid scale argument \"" + arg +
               "\": expected SERVICE=REPLICAS, e.g. demo_web=3";
      return false;
    }
    std::string name = arg.substr(0, eq);
    uint32_t replicas = 0;
    if (!parse_count(arg.substr(eq + 1), &replicas)) {
      *error = "invalid replica count \"" + arg.substr(eq + 1) + "\" for " +
               name + ": expected a whole number from 0 to " +
               std::to_string(max_replicas);
      return false;
    }
    if (!seen.insert(name).second) {
      *error = "service " + name + " is named more than once";
      return false;
    }
    pb::ScaleService entry;
    entry.set_service(name);
    entry.set_replicas(replicas);
    out->push_back(entry);
  }
  return true;
}

bool parse_timeout_flag(const std::string& flag, const std::string& text,
                        int64_t* out_ms, std::string* error) {
  auto ms = parse_duration_ms(text);
  if (!ms || *ms <= 0) {
    *error = "invalid " + flag + " \"" + text +
             "\": expected a positive duration such as 90s or 5m";
    return false;
  }
  *out_ms = *ms;
  return true;
}

} // namespace troupe::cli
