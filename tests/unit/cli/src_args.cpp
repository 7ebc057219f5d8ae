// test_cli links the troupe libraries but not the binary's own sources:
// this compiles cli/args.cpp into the test as its own translation unit.
#include "cli/args.cpp"
