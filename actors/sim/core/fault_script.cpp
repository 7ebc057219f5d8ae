#include "actors/sim/core/fault_script.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "config/units.hpp"

namespace troupe::sim {

namespace {

std::vector<std::string> words_of(const std::string& line) {
  std::istringstream in(line.substr(0, line.find('#')));
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

bool read_count(const std::string& word, uint64_t* out) {
  auto end = word.data() + word.size();
  auto [p, ec] = std::from_chars(word.data(), end, *out);
  return ec == std::errc{} && p == end && *out >= 1 && *out <= max_fault_workers;
}

/// One fault from the words after `at D` (or the whole line); "" = ok.
std::string read_fault(const std::vector<std::string>& w, size_t i, fault* f) {
  const std::string usage =
    " (use kill-workers N, partition-workers N for DURATION, or kill-leader)";
  if (i >= w.size())
    return "no fault given" + usage;
  const auto& what = w[i];
  size_t args = w.size() - i - 1;
  if (what == "kill-leader") {
    if (args != 0)
      return "kill-leader takes nothing after it";
    f->kind = fault_kind::kill_leader;
    return "";
  }
  if (what != "kill-workers" && what != "partition-workers")
    return "'" + what + "' is not a fault" + usage;
  if (args == 0 || !read_count(w[i + 1], &f->count))
    return what + " needs a number of workers from 1 to "
           + std::to_string(max_fault_workers);
  if (what == "kill-workers") {
    if (args != 1)
      return "kill-workers takes one number";
    f->kind = fault_kind::kill_workers;
    return "";
  }
  f->kind = fault_kind::partition_workers;
  if (args != 3 || w[i + 2] != "for")
    return "partition-workers needs 'for DURATION' after the number";
  auto d = parse_duration_ms(w[i + 3]);
  if (!d || *d <= 0)
    return "'" + w[i + 3] + "' is not a duration (use e.g. 500ms, 20s, 2m)";
  f->for_ms = *d;
  return "";
}

} // namespace

parsed_faults parse_faults(const std::string& text, bool timed) {
  parsed_faults out;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto w = words_of(line);
    if (w.empty())
      continue;
    if (out.faults.size() >= max_fault_lines) {
      out.error = "line " + std::to_string(number) + ": more than "
                  + std::to_string(max_fault_lines) + " faults";
      out.faults.clear();
      return out;
    }
    fault f;
    f.line = number;
    f.at_ms = -1;
    size_t i = 0;
    std::string error;
    if (w[0] == "at") {
      if (!timed)
        error = "'at' is for script files; a fault typed here happens at once";
      else if (w.size() < 2 || !parse_duration_ms(w[1]) || *parse_duration_ms(w[1]) < 0)
        error = "'at' needs a duration from the start (e.g. at 30s)";
      else
        f.at_ms = *parse_duration_ms(w[1]);
      i = 2;
    } else if (timed) {
      error = "each line starts with 'at DURATION' (e.g. at 30s kill-workers 100)";
    }
    if (error.empty())
      error = read_fault(w, i, &f);
    if (!error.empty()) {
      out.error = "line " + std::to_string(number) + ": " + error;
      out.faults.clear();
      return out;
    }
    out.faults.push_back(f);
  }
  std::stable_sort(out.faults.begin(), out.faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ms < b.at_ms; });
  return out;
}

std::string describe(const fault& f) {
  switch (f.kind) {
    case fault_kind::kill_workers:
      return "kill-workers " + std::to_string(f.count);
    case fault_kind::partition_workers:
      return "partition-workers " + std::to_string(f.count) + " for "
             + format_duration_ms(f.for_ms);
    case fault_kind::kill_leader:
      break;
  }
  return "kill-leader";
}

} // namespace troupe::sim
