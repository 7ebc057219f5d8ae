#include "config/constraint.hpp"

namespace troupe {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

constexpr std::string_view labels_prefix = "node.labels.";

bool known_attribute(const std::string& a) {
  if (a == "node.name" || a == "node.role" || a == "node.hostname")
    return true;
  return a.size() > labels_prefix.size()
         && a.compare(0, labels_prefix.size(), labels_prefix) == 0;
}

} // namespace

bool constraint::matches(const pb::Node& node) const {
  std::optional<std::string> actual;
  if (attribute == "node.name")
    actual = node.name();
  else if (attribute == "node.role")
    actual = node.role();
  else if (attribute == "node.hostname")
    actual = node.hostname();
  else if (attribute.compare(0, labels_prefix.size(), labels_prefix) == 0) {
    auto it = node.labels().find(attribute.substr(labels_prefix.size()));
    if (it != node.labels().end())
      actual = it->second;
  }
  bool same = actual && *actual == value;
  return equal ? same : !same;
}

std::string constraint::to_string() const {
  return attribute + (equal ? " == " : " != ") + value;
}

std::optional<constraint> parse_constraint(const std::string& text,
                                           std::string* error) {
  auto fail = [&](std::string why) -> std::optional<constraint> {
    if (error)
      *error = std::move(why);
    return std::nullopt;
  };
  size_t eq = text.find("==");
  size_t ne = text.find("!=");
  size_t op = std::min(eq, ne);
  if (op == std::string::npos)
    return fail("'" + text
                + "' is not a constraint (use e.g. \"node.labels.zone == eu\")");
  constraint c;
  c.equal = op == eq;
  c.attribute = trim(std::string_view(text).substr(0, op));
  c.value = trim(std::string_view(text).substr(op + 2));
  if (!known_attribute(c.attribute))
    return fail("'" + text + "': unknown attribute '" + c.attribute
                + "' (use node.name, node.role, node.hostname or "
                  "node.labels.<key>)");
  if (c.value.empty())
    return fail("'" + text + "': the value after '" + (c.equal ? "==" : "!=")
                + "' is empty");
  if (c.value.find("==") != std::string::npos
      || c.value.find("!=") != std::string::npos)
    return fail("'" + text + "': more than one operator");
  return c;
}

} // namespace troupe
