// Keys toml++ would recurse on without bound are refused before parsing, with
// the file, line and column; indexing positions is linear; and a seeded
// random-input run (mutations of the shipped examples) over both loaders
// never crashes and always reports an error with a message.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/cluster_config.hpp"
#include "config/stack_file.hpp"
#include "config/toml_guard.hpp"
#include "config/toml_reader.hpp"

namespace troupe {
namespace {

std::string deep_key(size_t parts) {
  std::string key = "a";
  for (size_t i = 1; i < parts; ++i)
    key += ".a";
  return key;
}

TEST(TomlLimits, ADottedKeyOfSixtyThousandPartsIsRefusedNotACrash) {
  auto r = parse_stack(deep_key(60000) + " = 1\n", "c.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[0].column, 1);
  EXPECT_EQ(to_string(r.errors),
            "c.toml:1:1: a dotted key has more than 32 parts\n");
}

TEST(TomlLimits, DeepKeysUnderATableAndInTableHeadersAreRefusedToo) {
  auto r = parse_stack("[stack]\nname = \"s\"\n[services.x.labels]\n" + deep_key(20000)
                           + " = \"v\"\n",
                       "s.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 4);
  auto c = parse_cluster_config("[" + deep_key(40) + "]\n", "c.toml");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].column, 2);
  EXPECT_NE(c.errors[0].message.find("more than 32 parts"), std::string::npos);
}

TEST(TomlLimits, AnOverLongKeyIsRefusedButLongStringValuesAreNot) {
  auto r = parse_stack("[stack]\nname = \"s\"\n\"" + std::string(2000, 'k') + "\" = 1\n", "s.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("longer than 1024 bytes"), std::string::npos);
  auto ok = parse_stack("[stack]\nname = \"s\"\n[services.web]\ncommand = [\"/bin/echo\", \""
                            + std::string(5000, 'x') + "\"]\n",
                        "s.toml");
  EXPECT_TRUE(ok.ok()) << to_string(ok.errors);
}

TEST(TomlLimits, FloatsDatesAndQuotedDotsAreNotKeys) {
  const char* text =
      "a = 1.5\nb = 1979-05-27T07:32:00.999Z\nc = \"x.y.z.w.v.u.t.s.r.q.p.o.n.m.l.k.j.i.h.g.f.e.d."
      "c.b.a.1.2.3.4.5.6.7.8.9\"\nd = [1.0, 2.0, 3.0]\ne = '''\na.b.c\n'''\n"
      "f.\"g.h\".i = 2 # a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g\n";
  EXPECT_EQ(scan_toml_keys(text).line, 0u) << scan_toml_keys(text).message;
  EXPECT_EQ(scan_toml_keys(deep_key(32) + " = 1").line, 0u);
  EXPECT_EQ(scan_toml_keys(deep_key(33) + " = 1").line, 1u);
}

TEST(TomlLimits, IndexingManyKeysRecordsEveryPath) {
  std::string text = "[services.x.labels]\n";
  for (int i = 0; i < 20000; ++i)
    text += "k" + std::to_string(i) + " = \"v\"\n";
  auto root = toml::parse(text);
  auto index = index_positions(root);
  EXPECT_EQ(index.size(), 20000u + 4u); // root, services, x, labels + keys
  EXPECT_EQ(index.at("services.x.labels.k19999").begin.line, 20001u);
}

std::string read_example(const std::string& name) {
  std::string here = __FILE__;
  std::ifstream in(here.substr(0, here.rfind('/')) + "/../../../examples/" + name);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// Seeded random-input run: every mutation parses to a result or to errors
// with a message; none crashes or hangs. (A libFuzzer build needs clang;
// this run needs nothing and is part of the suite.)
TEST(TomlLimits, SeededRandomMutationsOfTheExamplesNeverCrash) {
  std::vector<std::string> seeds{read_example("web.toml"), read_example("hello.toml"),
                                 read_example("cluster.toml")};
  for (const auto& s : seeds)
    ASSERT_FALSE(s.empty());
  const std::vector<std::string> pieces{".", ".a", "[", "]", "[[", "]]", "{", "}", "=", "\"",
                                        "'''", "\"\"\"", "\\", "\n", "#", ",", "a.b.c",
                                        std::string(1, '\0'), "\xff", "1e999", "-9223372036854775809",
                                        "= { a = { b = 1 } }", deep_key(40), "inf", "nan"};
  std::mt19937 rng(20261201);
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0: text.insert(at, pieces[rng() % pieces.size()]); break;
        case 1: text.erase(at, 1 + rng() % 16); break;
        case 2: text[at] = static_cast<char>(rng() % 256); break;
        default: text.insert(at, text.substr(rng() % text.size(), rng() % 64)); break;
      }
    }
    auto stack = parse_stack(text, "f.toml");
    auto cluster = parse_cluster_config(text, "f.toml");
    for (const auto* errors : {&stack.errors, &cluster.errors})
      for (const auto& err : *errors)
        ASSERT_FALSE(err.message.empty()) << "round " << round;
    parsed += stack.ok() ? 1 : 0;
  }
  EXPECT_LT(parsed, 3000) << "no mutation was ever refused: the run tests nothing";
}

} // namespace
} // namespace troupe
