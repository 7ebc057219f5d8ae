#include <gtest/gtest.h>

#include "config/units.hpp"

namespace troupe {
namespace {

struct duration_case {
  const char* text;
  std::optional<int64_t> ms;
};

TEST(Units, ParsesDurations) {
  const duration_case cases[] = {
      {"500ms", 500},        {"2s", 2000},          {"1m", 60000},
      {"1h", 3600000},       {"1m30s", 90000},      {"1.5s", 1500},
      {"0.25s", 250},        {"1h2m3s4ms", 3723004}, {"0s", 0},
      {"0", 0},              {"", std::nullopt},    {"5", std::nullopt},
      {"-1s", std::nullopt}, {"5 sec", std::nullopt}, {"5sec", std::nullopt},
      {"s", std::nullopt},   {"1.s", std::nullopt}, {"1m 30s", std::nullopt},
      {"5d", std::nullopt},  {"99999999999999999999s", std::nullopt},
      {"9223372036854775807h", std::nullopt},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parse_duration_ms(c.text), c.ms) << "input: '" << c.text << "'";
}

struct size_case {
  const char* text;
  std::optional<int64_t> bytes;
};

TEST(Units, ParsesSizes) {
  const size_case cases[] = {
      {"4096", 4096},
      {"100B", 100},
      {"512KiB", 512 * 1024},
      {"64MiB", 64LL << 20},
      {"1GiB", 1LL << 30},
      {"2TiB", 2LL << 40},
      {"1.5GiB", 3LL << 29},
      {"1KB", 1000},
      {"3MB", 3000000},
      {"1GB", 1000000000},
      {"2TB", 2000000000000LL},
      {"0", 0},
      {"", std::nullopt},
      {"-1MiB", std::nullopt},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
      {"64 MiB", std::nullopt},
      {"64mb", std::nullopt},
      {"lots", std::nullopt},
      {"64MiBx", std::nullopt},
      {"99999999TiB", std::nullopt},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parse_size_bytes(c.text), c.bytes) << "input: '" << c.text << "'";
}

TEST(Units, FormatsDurationsShortestExact) {
  const std::pair<int64_t, const char*> cases[] = {
      {1500, "1.5s"}, {60000, "1m"},    {250, "250ms"}, {0, "0s"},
      {1000, "1s"},   {90000, "90s"},   {3600000, "1h"}, {5400000, "90m"}, {9000000, "2.5h"},
      {1001, "1.001s"}, {7, "7ms"},     {100, "100ms"},
  };
  for (const auto& [ms, text] : cases) {
    EXPECT_EQ(format_duration_ms(ms), text);
    EXPECT_EQ(parse_duration_ms(format_duration_ms(ms)), ms) << text;
  }
}

TEST(Units, FormatsSizes) {
  const std::pair<int64_t, const char*> cases[] = {
      {33554432, "32MiB"}, {1536, "1.5KiB"}, {100, "100B"},
      {0, "0B"},           {1LL << 30, "1GiB"}, {1000, "1000B"},
  };
  for (const auto& [bytes, text] : cases)
    EXPECT_EQ(format_size_bytes(bytes), text);
}

} // namespace
} // namespace troupe
