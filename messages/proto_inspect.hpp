// The one CAF adapter for protobuf types: any generated message crosses actor
// and process boundaries as its protobuf wire bytes. A message that fails to
// parse is a deserialization error, never a half-filled object.
#pragma once

#include <string>
#include <type_traits>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>
#include <google/protobuf/message.h>

namespace troupe::pb {

template <class Inspector, class T>
std::enable_if_t<std::is_base_of<google::protobuf::Message, T>::value,
                 typename Inspector::result_type>
inspect(Inspector& f, T& x) {
  std::string bytes;
  if constexpr (Inspector::reads_state) {
    x.SerializeToString(&bytes);
    return f(caf::meta::type_name(T::descriptor()->full_name().c_str()), bytes);
  } else {
    auto parse = caf::meta::load_callback([&]() -> caf::error {
      if (!x.ParseFromString(bytes))
        return caf::make_error(caf::sec::invalid_argument,
                               "malformed protobuf message");
      return caf::none;
    });
    return f(caf::meta::type_name(T::descriptor()->full_name().c_str()),
             bytes, parse);
  }
}

} // namespace troupe::pb
