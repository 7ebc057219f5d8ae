// `troupe service create NAME` flags -> a ServiceSpec of the stack named
// `default` (services made outside a stack file belong to it: their full
// name is default_NAME). The flags become a stack file in memory, read by
// the stack file loader, so a service made by flags gets the same defaults
// and the same checks as one in a file. Pure.
#pragma once

#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::cli {

/// The stack that services created by `service create` belong to.
constexpr const char* default_stack = "default";

struct create_flags {
  std::string name;                      // NAME (short)
  std::string image;                     // --image (implies --driver oci)
  std::string command;                   // --command "WORDS" (split as a shell would)
  std::string driver;                    // --driver process|oci
  std::string mode;                      // --mode
  std::string replicas;                  // --replicas N ("" = the default, 1)
  std::vector<std::string> env;          // --env K=V
  std::vector<std::string> publish;      // --publish [NAME=]PUBLISHED:TARGET
  std::vector<std::string> constraints;  // --constraint EXPR
  std::vector<std::string> labels;       // --label K=V
};

/// The spec, or false with every problem (one sentence each, naming the flag).
bool spec_from_flags(const create_flags& flags, pb::ServiceSpec* out,
                     std::vector<std::string>* errors);

} // namespace troupe::cli
