// Global options anywhere on the line: the same mechanism main uses
// (add_global_options, then client commands registered with
// add_client_options), on a small tree whose commands record what they got.
#include <gtest/gtest.h>

#include <memory>

#include "cli/commands.hpp"
#include "cli/global_options.hpp"

namespace troupe::cli {
namespace {

struct recorded {
  client_options seen;
  std::string ran;
};

// troupe {service {ls, scale SERVICE=N}, stack {deploy FILE}}
struct tree {
  CLI::App app{"test"};
  std::shared_ptr<client_options> ls = std::make_shared<client_options>();
  std::shared_ptr<client_options> scale = std::make_shared<client_options>();
  std::shared_ptr<client_options> deploy = std::make_shared<client_options>();
  std::string file, scale_arg;
  recorded out;

  tree() {
    app.name("troupe");
    add_global_options(app);
    auto* service = app.add_subcommand("service");
    auto* l = service->add_subcommand("ls");
    add_client_options(l, ls.get(), true);
    l->callback([this] { out = {*ls, "service ls"}; });
    auto* sc = service->add_subcommand("scale");
    sc->add_option("SERVICE=N", scale_arg);
    add_waiting_client_options(sc, scale.get());
    sc->callback([this] { out = {*scale, "service scale"}; });
    auto* stack = app.add_subcommand("stack");
    auto* d = stack->add_subcommand("deploy");
    d->add_option("FILE", file);
    add_client_options(d, deploy.get(), false);
    d->callback([this] { out = {*deploy, "stack deploy"}; });
  }

  // Parses `args`; "" or the error's text.
  std::string parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      return e.what();
    }
    return "";
  }
};

TEST(global_options, are_taken_in_every_position) {
  const std::vector<std::vector<std::string>> lines = {
    {"--host", "a:1,b:2", "--format", "json", "--timeout", "3s", "service", "ls"},
    {"service", "--host", "a:1,b:2", "ls", "--format", "json", "--timeout", "3s"},
    {"service", "ls", "--host", "a:1,b:2", "--format", "json", "--timeout", "3s"},
    {"--format", "json", "service", "ls", "-H", "a:1,b:2", "--timeout=3s"},
    {"--timeout", "3s", "service", "--format=json", "ls", "--host=a:1,b:2"},
  };
  for (const auto& line : lines) {
    tree t;
    ASSERT_EQ(t.parse(line), "") << testing::PrintToString(line);
    EXPECT_EQ(t.out.ran, "service ls");
    EXPECT_EQ(t.out.seen.host, "a:1,b:2") << testing::PrintToString(line);
    EXPECT_EQ(t.out.seen.format, "json") << testing::PrintToString(line);
    EXPECT_EQ(t.out.seen.timeout_ms, 3000) << testing::PrintToString(line);
    EXPECT_EQ(request_timeout_ms(t.out.seen), 3000);
  }
}

TEST(global_options, defaults_when_not_given) {
  tree t;
  ASSERT_EQ(t.parse({"service", "ls"}), "");
  EXPECT_EQ(t.out.seen.host, "");
  EXPECT_EQ(t.out.seen.format, "table");
  EXPECT_EQ(request_timeout_ms(t.out.seen), api_timeout_ms);
}

TEST(global_options, timeout_of_a_waiting_command_is_its_wait) {
  tree t;
  ASSERT_EQ(t.parse({"--timeout", "2m", "service", "scale", "x_y=2"}), "");
  EXPECT_EQ(t.out.ran, "service scale");
  EXPECT_EQ(wait_timeout_ms(t.out.seen, 300000), 120000);
  EXPECT_EQ(request_timeout_ms(t.out.seen), api_timeout_ms)
    << "each request of a wait keeps the request timeout";
  tree u;
  ASSERT_EQ(u.parse({"service", "scale", "x_y=2"}), "");
  EXPECT_EQ(wait_timeout_ms(u.out.seen, 300000), 300000);
}

TEST(global_options, bad_values_are_one_sentence_and_run_nothing) {
  struct row { std::vector<std::string> line; const char* must_mention; };
  std::vector<row> rows = {
    {{"--timeout", "soon", "service", "ls"}, "invalid --timeout \"soon\""},
    {{"service", "ls", "--timeout", "0s"}, "invalid --timeout \"0s\""},
    {{"service", "ls", "--timeout", "25h"}, "up to 24h"},
    {{"--host", "a:1,,b:2", "service", "ls"}, "an empty item"},
    {{"service", "ls", "--host", "nohost"}, "\"nohost\""},
    {{"service", "ls", "--format", "xml"}, "xml"},
    {{"--credentials", "c.toml", "service", "ls"}, "--credentials is reserved"},
    {{"--format", "json", "stack", "deploy", "f.toml"}, "`troupe stack deploy` has no --format"},
  };
  for (const auto& r : rows) {
    tree t;
    auto error = t.parse(r.line);
    EXPECT_NE(error.find(r.must_mention), std::string::npos)
      << testing::PrintToString(r.line) << ": " << error;
    EXPECT_EQ(t.out.ran, "") << "a command ran despite " << error;
  }
}

TEST(unknown_command_sentence, names_the_group_and_its_commands) {
  tree t;
  EXPECT_EQ(unknown_command_sentence(t.app, {"service", "rm", "x"}),
            "`troupe service` has no command \"rm\"; its commands: ls, scale");
  EXPECT_EQ(unknown_command_sentence(t.app, {"--host", "a:1", "bogus"}),
            "`troupe` has no command \"bogus\"; its commands: service, stack")
    << "an option's value is not a command";
  EXPECT_EQ(unknown_command_sentence(t.app, {"--host=a:1", "stack", "--format", "json", "x"}),
            "`troupe stack` has no command \"x\"; its commands: deploy");
  EXPECT_EQ(unknown_command_sentence(t.app, {"stack", "deploy", "f.toml", "extra"}), "")
    << "arguments of a command are not judged here";
}

TEST(global_options, verbose_flag_anywhere) {
  tree t;
  ASSERT_EQ(t.parse({"service", "ls", "-v"}), "");
  EXPECT_TRUE(parsed_global_options().verbose);
  tree u;
  ASSERT_EQ(u.parse({"-v", "service", "ls"}), "");
  EXPECT_TRUE(parsed_global_options().verbose);
}

} // namespace
} // namespace troupe::cli
