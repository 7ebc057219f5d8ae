// The endpoints a client may talk to: `--host` / $TROUPE_HOST as a
// comma-separated list, the order they are tried in (starting from the one
// that answered last, then the rest in the order given, wrapping round), and
// where that last one is remembered ($XDG_CONFIG_HOME/troupe, else
// $HOME/.config/troupe). Pure: the environment comes in as values.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace troupe::cli {

/// At most this many endpoints in one list.
constexpr std::size_t max_endpoints = 16;

/// "a:1, b:2" -> {"a:1", "b:2"}. Each item is HOST:PORT, tcp://HOST:PORT or
/// ipc://PATH; blanks around commas are dropped. False with one sentence
/// for an empty item, a HOST:PORT without a valid port, a duplicate, or
/// more than max_endpoints items.
bool parse_endpoint_list(const std::string& text, std::vector<std::string>* out,
                         std::string* error);

/// The order to try `endpoints` in: `last` first when it is one of them,
/// then the ones after it, then the ones before it (the given order,
/// rotated); the given order when `last` is not in the list.
std::vector<std::string> failover_order(const std::vector<std::string>& endpoints,
                                        const std::string& last);

/// The folder of the client's state: $XDG_CONFIG_HOME/troupe when that is
/// an absolute path, else $HOME/.config/troupe; "" when neither is set.
std::string client_state_dir(const char* xdg_config_home, const char* home);

} // namespace troupe::cli
