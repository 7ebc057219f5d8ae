#include "config/toml_guard.hpp"

namespace troupe {

namespace {

bool bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || c == '_' || c == '-' || c == '+' || c == ':';
}

class scanner {
public:
  explicit scanner(std::string_view text) : t_(text) {}

  toml_guard_problem run() {
    while (i_ < t_.size() && problem_.line == 0) {
      char c = t_[i_];
      if (c == '#') {
        skip_comment();
      } else if (c == '"' || c == '\'' || bare_key_char(c)) {
        chain();
      } else {
        step();
      }
    }
    return problem_;
  }

private:
  void step() {
    if (t_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  void skip_comment() {
    while (i_ < t_.size() && t_[i_] != '\n')
      ++i_;
  }

  void skip_spaces() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t'))
      ++i_;
  }

  // One part: a bare key, or a string in any of its four forms. Its length.
  size_t part() {
    size_t start = i_;
    char c = t_[i_];
    if (c != '"' && c != '\'') {
      while (i_ < t_.size() && bare_key_char(t_[i_]))
        ++i_;
      return i_ - start;
    }
    bool multi = t_.substr(i_, 3) == std::string_view(c == '"' ? "\"\"\"" : "'''");
    i_ += multi ? 3 : 1;
    while (i_ < t_.size()) {
      char d = t_[i_];
      if (c == '"' && d == '\\') {
        i_ += 2;
        continue;
      }
      if (multi ? t_.substr(i_, 3) == std::string_view(c == '"' ? "\"\"\"" : "'''")
                : d == c) {
        i_ += multi ? 3 : 1;
        break;
      }
      if (d == '\n') {
        if (!multi)
          break; // an unterminated string: the parser reports it
        ++line_;
        line_start_ = i_ + 1;
      }
      ++i_;
    }
    return i_ - start;
  }

  // Whether the chain at i_ is the name of a table header: only `[`, `[[`
  // and blanks before it on its line.
  bool in_header() const {
    bool bracket = false;
    for (size_t j = i_; j > line_start_; --j) {
      char c = t_[j - 1];
      if (c == '[')
        bracket = true;
      else if (c != ' ' && c != '\t')
        return false;
    }
    return bracket;
  }

  void chain() {
    size_t line = line_, column = i_ - line_start_ + 1;
    bool header = in_header();
    size_t parts = 0, bytes = 0;
    for (;;) {
      bytes += part();
      ++parts;
      if (parts > max_key_parts) {
        fail(line, column, "a dotted key has more than " + std::to_string(max_key_parts)
                               + " parts");
        return;
      }
      size_t save = i_;
      skip_spaces();
      if (i_ < t_.size() && t_[i_] == '.') {
        ++i_;
        skip_spaces();
        if (i_ < t_.size() && (t_[i_] == '"' || t_[i_] == '\'' || bare_key_char(t_[i_])))
          continue;
      }
      i_ = save;
      break;
    }
    size_t save = i_;
    skip_spaces();
    bool is_key = i_ < t_.size() && (t_[i_] == '=' || (header && t_[i_] == ']'));
    i_ = save;
    if (is_key && bytes > max_key_bytes)
      fail(line, column, "a key is longer than " + std::to_string(max_key_bytes) + " bytes");
  }

  void fail(size_t line, size_t column, std::string message) {
    problem_.line = line;
    problem_.column = column;
    problem_.message = std::move(message);
  }

  std::string_view t_;
  size_t i_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  toml_guard_problem problem_;
};

} // namespace

toml_guard_problem scan_toml_keys(std::string_view text) { return scanner(text).run(); }

} // namespace troupe
