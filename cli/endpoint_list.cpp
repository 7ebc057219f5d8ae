#include "cli/endpoint_list.hpp"

#include <algorithm>

namespace troupe::cli {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return "";
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// HOST:PORT (after an optional tcp://) with a port in 1..65535.
bool valid_tcp(const std::string& item) {
  std::string rest = item.rfind("tcp://", 0) == 0 ? item.substr(6) : item;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= rest.size()
      || rest.size() - colon - 1 > 5)
    return false;
  unsigned port = 0;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9')
      return false;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  return port >= 1 && port <= 65535;
}

} // namespace

bool parse_endpoint_list(const std::string& text, std::vector<std::string>* out,
                         std::string* error) {
  out->clear();
  std::size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto item = trim(text.substr(start, comma == std::string::npos ? std::string::npos
                                                                   : comma - start));
    if (item.empty()) {
      *error = "invalid node address list \"" + text
               + "\": an empty item; expected HOST:PORT[,HOST:PORT...]";
      return false;
    }
    bool ipc = item.rfind("ipc://", 0) == 0 && item.size() > 6;
    if (!ipc && !valid_tcp(item)) {
      *error = "invalid node address \"" + item
               + "\"; expected HOST:PORT (port 1-65535), tcp://HOST:PORT or ipc://PATH";
      return false;
    }
    if (std::find(out->begin(), out->end(), item) != out->end()) {
      *error = "node address \"" + item + "\" is named more than once";
      return false;
    }
    out->push_back(item);
    if (out->size() > max_endpoints) {
      *error = "more than " + std::to_string(max_endpoints)
               + " node addresses in one list";
      return false;
    }
    if (comma == std::string::npos)
      return true;
    start = comma + 1;
  }
}

std::vector<std::string> failover_order(const std::vector<std::string>& endpoints,
                                        const std::string& last) {
  auto i = std::find(endpoints.begin(), endpoints.end(), last);
  if (last.empty() || i == endpoints.end())
    return endpoints;
  std::vector<std::string> order(i, endpoints.end());
  order.insert(order.end(), endpoints.begin(), i);
  return order;
}

std::string client_state_dir(const char* xdg_config_home, const char* home) {
  if (xdg_config_home != nullptr && xdg_config_home[0] == '/')
    return std::string(xdg_config_home) + "/troupe";
  if (home != nullptr && home[0] != '\0')
    return std::string(home) + "/.config/troupe";
  return "";
}

} // namespace troupe::cli
