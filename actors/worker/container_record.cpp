#include "actors/worker/container_record.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace troupe {

namespace {

namespace fs = std::filesystem;

constexpr const char* header = "troupe-container-record 1";
constexpr const char* file_name = "container.record";
constexpr size_t max_record_bytes = 4096;

bool parse_number(const std::string& text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  auto value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno != 0 || value > max)
    return false;
  *out = value;
  return true;
}

/// The fields of /proc/PID/stat after "(comm)": [0] is the state (field 3).
std::optional<std::vector<std::string>> stat_fields(int pid) {
  if (pid <= 0)
    return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;)
    fields.push_back(f);
  return fields;
}

bool one_line(const std::string& value) {
  return value.find_first_of("\r\n") == std::string::npos;
}

} // namespace

std::string container_record_path(const std::string& tasks_dir,
                                  const std::string& task_id) {
  return tasks_dir + "/" + task_id + "/" + file_name;
}

std::string format_container_record(const container_record& r) {
  std::ostringstream os;
  os << header << "\n"
     << "driver=" << r.driver << "\n"
     << "container=" << r.container_id << "\n"
     << "task=" << r.task_id << "\n"
     << "pid=" << r.pid << "\n"
     << "start_ticks=" << r.start_ticks << "\n"
     << "started_ms=" << r.started_ms << "\n";
  return os.str();
}

std::optional<container_record> parse_container_record(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != header)
    return std::nullopt;
  std::map<std::string, std::string> fields;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return std::nullopt;
    fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  container_record r;
  r.driver = fields["driver"];
  r.container_id = fields["container"];
  r.task_id = fields["task"];
  uint64_t pid = 0;
  if (r.driver.empty() || r.container_id.empty() || r.task_id.empty()
      || !parse_number(fields["pid"], 4194304, &pid)  // the kernel's PID_MAX_LIMIT
      || !parse_number(fields["start_ticks"], UINT64_MAX, &r.start_ticks))
    return std::nullopt;
  r.pid = static_cast<int>(pid);
  uint64_t started = 0;
  if (fields.count("started_ms") > 0
      && !parse_number(fields["started_ms"], INT64_MAX, &started))
    return std::nullopt;
  r.started_ms = static_cast<int64_t>(started);
  return r;
}

bool write_container_record(const std::string& tasks_dir,
                            const container_record& r, std::string* error) {
  if (tasks_dir.empty() || r.task_id.empty() || r.task_id.find('/') != std::string::npos
      || r.task_id == "." || r.task_id == ".." || !one_line(r.task_id)
      || !one_line(r.driver) || !one_line(r.container_id)) {
    *error = "invalid container record for task '" + r.task_id + "'";
    return false;
  }
  std::error_code ec;
  fs::create_directories(tasks_dir + "/" + r.task_id, ec);
  auto path = container_record_path(tasks_dir, r.task_id);
  auto temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << format_container_record(r);
    out.flush();
    if (!out) {
      *error = "cannot write " + temp + ": " + std::strerror(errno);
      return false;
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename " + temp + ": " + std::strerror(errno);
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

std::optional<container_record>
read_container_record(const std::string& tasks_dir, const std::string& task_id) {
  auto path = container_record_path(tasks_dir, task_id);
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > max_record_bytes)
    return std::nullopt;
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  auto r = parse_container_record(text);
  if (!r || r->task_id != task_id)  // a record names the folder it lives in
    return std::nullopt;
  return r;
}

void remove_container_record(const std::string& tasks_dir,
                             const std::string& task_id) {
  std::error_code ec;
  fs::remove(container_record_path(tasks_dir, task_id), ec);
}

std::vector<container_record>
list_container_records(const std::string& tasks_dir) {
  std::vector<container_record> out;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(tasks_dir, ec)) {
    std::error_code dir_ec;
    if (!dir.is_directory(dir_ec))
      continue;
    if (auto r = read_container_record(tasks_dir, dir.path().filename().string()))
      out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.task_id < b.task_id;
  });
  return out;
}

std::optional<uint64_t> process_start_ticks(int pid) {
  auto fields = stat_fields(pid);
  uint64_t ticks = 0;
  if (!fields || fields->size() < 20
      || !parse_number((*fields)[19], UINT64_MAX, &ticks))
    return std::nullopt;
  return ticks;
}

std::optional<int> process_group_of(int pid) {
  auto fields = stat_fields(pid);
  uint64_t pgrp = 0;
  if (!fields || fields->size() < 3
      || !parse_number((*fields)[2], 4194304, &pgrp))
    return std::nullopt;
  return static_cast<int>(pgrp);
}

} // namespace troupe
