#include "actors/observe/metrics.hpp"

namespace troupe::observe {

std::shared_ptr<prometheus::Registry> metrics_registry() {
  // Leaked on purpose: metrics may be touched by threads that outlive main.
  static auto* reg = new std::shared_ptr<prometheus::Registry>(
    std::make_shared<prometheus::Registry>());
  return *reg;
}

} // namespace troupe::observe
