// Internal to config/: strict, typed reads from toml++ tables. Every problem
// becomes a config_error (file, line, column, full key path, message) in the
// caller's list; a getter returns nullopt when the key is missing (no error)
// or wrong (error recorded), so one pass reports every mistake of a file.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.hpp"

namespace troupe {

using string_pairs = std::vector<std::pair<std::string, std::string>>;

class toml_reader {
public:
  toml_reader(std::string file, std::vector<config_error>* errors)
    : file_(std::move(file)), errors_(errors) {}

  /// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
  static std::string join(const std::string& path, std::string_view key);

  void error(const toml::source_region& where, const std::string& key,
             std::string message);
  void error(const toml::node& where, const std::string& key,
             std::string message) {
    error(where.source(), key, std::move(message));
  }
  /// "is required" at the table's position.
  void missing(const toml::table& t, const std::string& path,
               std::string_view key, const std::string& what = "");
  /// Whether an error was recorded for `key` or a key under it.
  bool failed(const std::string& key) const;

  /// Reports every key of `t` not in `known`, suggesting the closest one.
  void check_keys(const toml::table& t, const std::string& path,
                  std::initializer_list<std::string_view> known);

  std::optional<std::string> string(const toml::table& t,
                                    const std::string& path,
                                    std::string_view key);
  std::optional<int64_t> integer(const toml::table& t, const std::string& path,
                                 std::string_view key);
  /// An integer in 0..2^32-1 ("must be >= 0" otherwise).
  std::optional<uint32_t> count(const toml::table& t, const std::string& path,
                                std::string_view key);
  /// A float or an integer.
  std::optional<double> number(const toml::table& t, const std::string& path,
                               std::string_view key);
  std::optional<bool> boolean(const toml::table& t, const std::string& path,
                              std::string_view key);
  /// A duration string ("2s") in milliseconds.
  std::optional<int64_t> duration(const toml::table& t,
                                  const std::string& path,
                                  std::string_view key);
  /// A size string ("64MiB") or an integer number of bytes.
  std::optional<int64_t> size(const toml::table& t, const std::string& path,
                              std::string_view key);
  /// An array whose elements are all strings.
  std::optional<std::vector<std::string>> strings(const toml::table& t,
                                                  const std::string& path,
                                                  std::string_view key);
  /// A table whose values are all strings, in file order.
  std::optional<string_pairs> string_map(const toml::table& t,
                                         const std::string& path,
                                         std::string_view key);
  const toml::table* table(const toml::table& t, const std::string& path,
                           std::string_view key);
  const toml::array* array(const toml::table& t, const std::string& path,
                           std::string_view key);

  /// Reports a wrong type: "must be WHAT, got TYPE".
  void wrong_type(const toml::node& n, const std::string& key,
                  std::string_view what);

private:
  std::string file_;
  std::vector<config_error>* errors_;
  std::set<std::string> failed_;
};

/// "string", "integer", "float", "boolean", "table", "array", "date", ...
std::string_view toml_type_name(const toml::node& n);

/// The known key within edit distance 2 of `key`, or "".
std::string closest_key(std::string_view key,
                        std::initializer_list<std::string_view> known);

/// Position of every node under `root`, by full key path ("a.b[0].c").
std::map<std::string, toml::source_region> index_positions(
    const toml::table& root);

/// Parses TOML text; on a syntax error, records it and returns nullopt.
std::optional<toml::table> parse_toml(std::string_view text,
                                      const std::string& source,
                                      std::vector<config_error>* errors);

/// The whole file, or nullopt with *error = strerror-like reason (or "it is
/// N bytes, above the limit of M" for a file larger than max_bytes).
std::optional<std::string> read_text_file(const std::string& path,
                                          std::string* error,
                                          uint64_t max_bytes = 4ull << 20);

} // namespace troupe
