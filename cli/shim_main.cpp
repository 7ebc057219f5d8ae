// `troupe-shim`: the per-task shim (runtime/shim.hpp) as a small static
// binary of its own, built from the same source as `troupe shim`: it starts
// in a fraction of a millisecond and stays well under 1 MiB of memory.
#include "runtime/shim.hpp"

int main(int argc, char** argv) {
  return troupe::shim_main(argc, argv);
}
