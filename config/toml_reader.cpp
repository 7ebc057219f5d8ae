#include "config/toml_reader.hpp"

#include <algorithm>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include "config/toml_guard.hpp"
#include "config/units.hpp"

namespace troupe {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// `path` is one buffer: each level appends its part and cuts it off again,
// so indexing costs the size of the paths it records, not depth x size.
void index_node(const toml::node& n, std::string* path,
                std::map<std::string, toml::source_region>* out) {
  out->emplace_hint(out->end(), *path, n.source());
  size_t keep = path->size();
  if (auto t = n.as_table()) {
    for (auto&& [k, v] : *t) {
      if (keep > 0)
        path->push_back('.');
      path->append(k.str());
      index_node(v, path, out);
      path->resize(keep);
    }
  } else if (auto a = n.as_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      path->append("[" + std::to_string(i) + "]");
      index_node(*a->get(i), path, out);
      path->resize(keep);
    }
  }
}

} // namespace

std::string toml_reader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void toml_reader::error(const toml::source_region& where,
                        const std::string& key, std::string message) {
  config_error e;
  e.file = file_;
  e.line = static_cast<int>(where.begin.line);
  e.column = static_cast<int>(where.begin.column);
  e.key = key;
  e.message = std::move(message);
  errors_->push_back(std::move(e));
  failed_.insert(key);
}

void toml_reader::missing(const toml::table& t, const std::string& path,
                          std::string_view key, const std::string& what) {
  error(t, join(path, key), what.empty() ? "is required" : "is required (" + what + ")");
}

bool toml_reader::failed(const std::string& key) const {
  for (const auto& f : failed_)
    if (key == f || (key.size() > f.size() && key.compare(0, f.size(), f) == 0
                     && (key[f.size()] == '.' || key[f.size()] == '[')))
      return true;
  return false;
}

void toml_reader::wrong_type(const toml::node& n, const std::string& key,
                             std::string_view what) {
  error(n, key, "must be " + std::string(what) + ", got "
                    + std::string(toml_type_name(n)));
}

void toml_reader::check_keys(const toml::table& t, const std::string& path,
                             std::initializer_list<std::string_view> known) {
  for (auto&& [k, v] : t) {
    if (std::find(known.begin(), known.end(), k.str()) != known.end())
      continue;
    std::string msg = "unknown key '" + std::string(k.str()) + "'";
    std::string near = closest_key(k.str(), known);
    // A longer or shorter spelling of a known key ("healthcheck", "environment").
    for (auto candidate : known)
      if (near.empty() && candidate.size() >= 3 && k.str().size() >= 3
          && (k.str().substr(0, candidate.size()) == candidate
              || candidate.substr(0, k.str().size()) == k.str()))
        near = std::string(candidate);
    if (!near.empty())
      msg += " (did you mean '" + near + "'?)";
    error(k.source().begin.line ? k.source() : v.source(), join(path, k.str()),
          std::move(msg));
  }
}

std::optional<std::string> toml_reader::string(const toml::table& t,
                                               const std::string& path,
                                               std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return std::nullopt;
  if (auto s = n->as_string())
    return s->get();
  wrong_type(*n, join(path, key), "a string");
  return std::nullopt;
}

std::optional<int64_t> toml_reader::integer(const toml::table& t,
                                            const std::string& path,
                                            std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return std::nullopt;
  if (auto i = n->as_integer())
    return i->get();
  wrong_type(*n, join(path, key), "an integer");
  return std::nullopt;
}

std::optional<uint32_t> toml_reader::count(const toml::table& t,
                                           const std::string& path,
                                           std::string_view key) {
  auto v = integer(t, path, key);
  if (!v)
    return std::nullopt;
  if (*v < 0 || *v > std::numeric_limits<uint32_t>::max()) {
    error(*t.get(key), join(path, key),
          *v < 0 ? "must be >= 0, got " + std::to_string(*v)
                 : std::to_string(*v) + " is too large");
    return std::nullopt;
  }
  return static_cast<uint32_t>(*v);
}

std::optional<double> toml_reader::number(const toml::table& t,
                                          const std::string& path,
                                          std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return std::nullopt;
  if (auto f = n->as_floating_point())
    return f->get();
  if (auto i = n->as_integer())
    return static_cast<double>(i->get());
  wrong_type(*n, join(path, key), "a number");
  return std::nullopt;
}

std::optional<bool> toml_reader::boolean(const toml::table& t,
                                         const std::string& path,
                                         std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return std::nullopt;
  if (auto b = n->as_boolean())
    return b->get();
  wrong_type(*n, join(path, key), "a boolean");
  return std::nullopt;
}

std::optional<int64_t> toml_reader::duration(const toml::table& t,
                                             const std::string& path,
                                             std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return std::nullopt;
  auto s = n->as_string();
  if (!s) {
    wrong_type(*n, join(path, key), "a duration string such as \"2s\"");
    return std::nullopt;
  }
  auto ms = parse_duration_ms(s->get());
  if (!ms)
    error(*n, join(path, key), "'" + s->get()
                                   + "' is not a duration (use e.g. 500ms, 2s, 1m)");
  return ms;
}

std::optional<int64_t> toml_reader::size(const toml::table& t,
                                         const std::string& path,
                                         std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return std::nullopt;
  if (auto i = n->as_integer()) {
    if (i->get() >= 0)
      return i->get();
    error(*n, join(path, key), "must be >= 0, got " + std::to_string(i->get()));
    return std::nullopt;
  }
  auto s = n->as_string();
  if (!s) {
    wrong_type(*n, join(path, key), "a size such as \"64MiB\"");
    return std::nullopt;
  }
  auto bytes = parse_size_bytes(s->get());
  if (!bytes)
    error(*n, join(path, key),
          "'" + s->get() + "' is not a size (use e.g. 512KiB, 64MiB, 1GiB)");
  return bytes;
}

std::optional<std::vector<std::string>> toml_reader::strings(
    const toml::table& t, const std::string& path, std::string_view key) {
  const toml::array* a = array(t, path, key);
  if (!a)
    return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::node& el = *a->get(i);
    if (auto s = el.as_string()) {
      out.push_back(s->get());
    } else {
      wrong_type(el, join(path, key) + "[" + std::to_string(i) + "]", "a string");
      ok = false;
    }
  }
  return ok ? std::optional(out) : std::nullopt;
}

std::optional<string_pairs> toml_reader::string_map(const toml::table& t,
                                                    const std::string& path,
                                                    std::string_view key) {
  const toml::table* m = table(t, path, key);
  if (!m)
    return std::nullopt;
  string_pairs out;
  bool ok = true;
  for (auto&& [k, v] : *m) {
    if (auto s = v.as_string()) {
      out.emplace_back(std::string(k.str()), s->get());
    } else {
      wrong_type(v, join(join(path, key), k.str()), "a string");
      ok = false;
    }
  }
  return ok ? std::optional(out) : std::nullopt;
}

const toml::table* toml_reader::table(const toml::table& t,
                                      const std::string& path,
                                      std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return nullptr;
  if (auto tt = n->as_table())
    return tt;
  wrong_type(*n, join(path, key), "a table");
  return nullptr;
}

const toml::array* toml_reader::array(const toml::table& t,
                                      const std::string& path,
                                      std::string_view key) {
  const toml::node* n = t.get(key);
  if (!n)
    return nullptr;
  if (auto a = n->as_array())
    return a;
  wrong_type(*n, join(path, key), "an array");
  return nullptr;
}

std::string_view toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    default: return "nothing";
  }
}

std::string closest_key(std::string_view key,
                        std::initializer_list<std::string_view> known) {
  std::string best;
  size_t best_distance = 3;
  for (auto k : known) {
    size_t d = edit_distance(key, k);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(k);
    }
  }
  return best;
}

std::map<std::string, toml::source_region> index_positions(
    const toml::table& root) {
  std::map<std::string, toml::source_region> out;
  std::string path;
  index_node(root, &path, &out);
  return out;
}

std::optional<toml::table> parse_toml(std::string_view text,
                                      const std::string& source,
                                      std::vector<config_error>* errors) {
  // toml++ recurses once per part of a dotted key: refuse deep keys first.
  if (auto p = scan_toml_keys(text); p.line != 0) {
    config_error err;
    err.file = source;
    err.line = static_cast<int>(p.line);
    err.column = static_cast<int>(p.column);
    err.message = p.message;
    errors->push_back(std::move(err));
    return std::nullopt;
  }
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    config_error err;
    err.file = source;
    err.line = static_cast<int>(e.source().begin.line);
    err.column = static_cast<int>(e.source().begin.column);
    err.message = std::string(e.description());
    errors->push_back(std::move(err));
    return std::nullopt;
  }
}

std::optional<std::string> read_text_file(const std::string& path,
                                          std::string* error, uint64_t max_bytes) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    *error = std::strerror(EISDIR);
    return std::nullopt;
  }
  auto too_big = [&](uint64_t size) {
    *error = (size == 0 ? std::string("it is larger than the limit of ")
                        : "it is " + std::to_string(size) + " bytes, above the limit of ")
             + std::to_string(max_bytes) + " bytes (" + std::to_string(max_bytes >> 20)
             + " MiB)";
    return std::nullopt;
  };

  if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
      && static_cast<uint64_t>(st.st_size) > max_bytes)
    return too_big(static_cast<uint64_t>(st.st_size));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  // Read at most one byte past the limit (a pipe or /dev/zero has no size).
  std::string text;
  char chunk[65536];
  while (in && text.size() <= max_bytes) {
    in.read(chunk, sizeof(chunk));
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  if (text.size() > max_bytes)
    return too_big(0);
  return text;
}

} // namespace troupe
