// test_cli links the troupe libraries but not the binary's own sources:
// this compiles cli/converge_wait.cpp into the test as its own translation unit.
#include "cli/converge_wait.cpp"
