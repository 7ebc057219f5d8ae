// troupe's error codes. Errors are values (caf::error); the context message
// carries one sentence for the user, e.g.
//   make_error(error_code::not_found, "no service named demo_api").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace troupe {

enum class error_code : uint8_t {
  none = 0,
  invalid_argument,   // a request or file that does not make sense
  not_found,          // a named stack, service, node or task does not exist
  conflict,           // the request contradicts the current state
  unavailable,        // a peer, node or quorum cannot be reached
  timeout,            // a wait ran out
  io_error,           // the host (disk, process, runc) failed
  internal,           // a bug: something that should not happen
};

/// The sentence carried by an error made with make_error(code, "sentence"),
/// or CAF's own rendering for other errors.
std::string error_message(const caf::error& err);

} // namespace troupe

CAF_ERROR_CODE_ENUM(troupe::error_code, "troupe")
