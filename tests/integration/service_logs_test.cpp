// `troupe service logs --since --timestamps` on a standalone node: every
// line carries the time it was written; --since keeps the newer ones; a
// bad --since is refused with a sentence.
#include <regex>
#include <sstream>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using service_logs = agent_test;

TEST_F(service_logs, since_and_timestamps_use_the_time_each_line_was_written) {
  auto file = stack_file("tick.toml",
                         "[stack]\nname = \"tick\"\n\n[services.t]\n"
                         "command = [\"/bin/sh\", \"-c\", \"echo early; sleep 3; echo late; "
                         "exec sleep 1000\"]\nstop_grace_period = \"1s\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string all;
  ASSERT_TRUE(wait_until([&] {
    all = agent_->cli({"service", "logs", "tick_t", "-t"}).out;
    return all.find("late") != std::string::npos;
  }, 30000)) << all;
  std::regex stamped(R"(^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick_t\.1\.\S+ \| (early|late)$)");
  std::istringstream lines(all);
  int n = 0;
  std::string late_time;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_TRUE(std::regex_match(line, stamped)) << line;
    if (line.find("| late") != std::string::npos)
      late_time = line.substr(0, 30);
  }
  EXPECT_EQ(n, 2) << all;
  // "late" was written 3 s after "early": since its time, it shows alone;
  // since a minute ago, both do.
  r = agent_->cli({"service", "logs", "tick_t", "--since", "1m"});
  EXPECT_NE(r.out.find("early"), std::string::npos) << r.describe();
  r = agent_->cli({"service", "logs", "tick_t", "--since", late_time});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.find("early"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("late"), std::string::npos) << r.out;
  r = agent_->cli({"service", "logs", "tick_t", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--since takes a duration such as 10m or a UTC time"),
            std::string::npos) << r.describe();
}

} // namespace
} // namespace troupe::itest
