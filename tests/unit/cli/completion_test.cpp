#include <gtest/gtest.h>

#include "cli/completion.hpp"
#include "cli/version_info.hpp"

namespace troupe::cli {
namespace {

// troupe [--host H] {stack {ps NAME, deploy FILE}, service {logs SERVICE --task T}}
struct small_tree {
  CLI::App app{"test"};
  std::string s;
  small_tree() {
    app.name("troupe");
    app.add_option("--host", s, "node address");
    auto* stack = app.add_subcommand("stack", "stacks");
    stack->add_subcommand("ps", "tasks of a stack")->add_option("NAME", s);
    auto* dep = stack->add_subcommand("deploy", "deploy it");
    dep->add_option("FILE", s);
    dep->add_flag("-d,--detach", "no wait");
    auto* logs = app.add_subcommand("service", "services")->add_subcommand("logs", "output");
    logs->add_option("SERVICE", s);
    logs->add_option("--task", s, "one task's");
    app.add_subcommand("__names", "hidden")->group("");
  }
};

TEST(completion_tree, follows_the_cli11_tree) {
  small_tree t;
  auto tree = completion_tree(t.app);
  std::vector<std::string> paths;
  for (const auto& c : tree)
    paths.push_back(c.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"", "stack", "stack ps", "stack deploy",
                                             "service", "service logs"}))
    << "hidden commands are left out";
  EXPECT_EQ(tree[0].subcommands, (std::vector<std::string>{"stack", "service"}));
  EXPECT_EQ(tree[2].positional, arg_kind::stack);
  EXPECT_EQ(tree[3].positional, arg_kind::file);
  EXPECT_EQ(tree[5].positional, arg_kind::service);
  bool task_option = false;
  for (const auto& o : tree[5].options)
    task_option |= o.value == arg_kind::task && o.takes_value;
  EXPECT_TRUE(task_option);
}

TEST(completion_script, each_shell_gets_the_commands_and_flags) {
  small_tree t;
  auto tree = completion_tree(t.app);
  auto bash = completion_script(tree, "bash");
  EXPECT_NE(bash.find("['troupe stack']='ps deploy'"), std::string::npos) << bash;
  EXPECT_NE(bash.find("['troupe stack deploy']='-h --help -d --detach'"), std::string::npos) << bash;
  EXPECT_NE(bash.find("['troupe stack ps']=stack"), std::string::npos) << bash;
  EXPECT_NE(bash.find("['--task']=task"), std::string::npos) << bash;
  EXPECT_NE(bash.find("complete -F _troupe troupe"), std::string::npos);
  auto zsh = completion_script(tree, "zsh");
  EXPECT_NE(zsh.find("bashcompinit"), std::string::npos);
  auto fish = completion_script(tree, "fish");
  EXPECT_NE(fish.find("complete -c troupe -n '__troupe_at \\'troupe stack\\'' -a 'deploy' -d 'deploy it'"),
            std::string::npos) << fish;
  EXPECT_NE(fish.find("-a '(__troupe_names stack)'"), std::string::npos) << fish;
  EXPECT_EQ(completion_script(tree, "tcsh"), "");
}

TEST(api_level_sentence, says_which_side_is_older) {
  EXPECT_EQ(api_level_sentence(2, 2), "");
  EXPECT_NE(api_level_sentence(2, 1).find("upgrade the node"), std::string::npos);
  EXPECT_NE(api_level_sentence(2, 3).find("upgrade the client"), std::string::npos);
}

} // namespace
} // namespace troupe::cli
