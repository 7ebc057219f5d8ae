#include "runtime/sim_driver.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>

#include "config/units.hpp"
#include "runtime/child_process.hpp"
#include "runtime/thread_name.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe {

namespace {

// Deadlines handled per turn of the timer thread before it lets go of the
// mutex (and calls the callbacks collected so far).
constexpr size_t batch = 4096;

int64_t steady_now_ms() {
  using namespace std::chrono;
  return floor<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Deadlines count from the next whole ms, so that none comes early.
int64_t steady_next_ms() {
  using namespace std::chrono;
  return ceil<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t add_ms(int64_t a, int64_t b) {
  int64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// A shell word that is exactly `s`.
std::string sh_word(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// 0..255 from `text` (digits only), or -1.
int parse_code(const std::string& text) {
  if (text.empty() || text.size() > 3
      || text.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  int code = std::stoi(text);
  return code <= 255 ? code : -1;
}

// What start() reads from the env.
struct sim_env {
  int64_t start_delay = 0;
  int64_t exit_after = -1;   // -1 = not set
  int exit_code = 0;
  int64_t crash_after = -1;
  int64_t unhealthy_after = -1;
  int64_t stop_delay = 0;
};

// Reads the SIM_* variables; false with one sentence on a malformed value.
bool read_sim_env(const std::map<std::string, std::string>& env, sim_env* out,
                  std::string* error) {
  const std::pair<const char*, int64_t*> durations[] = {
      {"SIM_START_DELAY", &out->start_delay},
      {"SIM_EXIT_AFTER", &out->exit_after},
      {"SIM_CRASH_AFTER", &out->crash_after},
      {"SIM_UNHEALTHY_AFTER", &out->unhealthy_after},
      {"SIM_STOP_DELAY", &out->stop_delay},
  };
  for (const auto& [key, field] : durations) {
    auto i = env.find(key);
    if (i == env.end())
      continue;
    auto ms = parse_duration_ms(i->second);
    if (!ms) {
      *error = std::string(key) + "=" + quoted(i->second)
               + " is not a duration (use e.g. 500ms, 2s, 1m)";
      return false;
    }
    *field = *ms;
  }
  if (auto i = env.find("SIM_EXIT_CODE"); i != env.end()) {
    out->exit_code = parse_code(i->second);
    if (out->exit_code < 0) {
      *error = "SIM_EXIT_CODE=" + quoted(i->second)
               + " is not an exit code (use 0 to 255)";
      return false;
    }
  }
  return true;
}

std::string end_message(int code, int signal) {
  if (signal != 0)
    return "killed by " + signal_name(signal);
  return "exited with code " + std::to_string(code);
}

} // namespace

sim_driver::sim_driver() : timer_([this] { run(); }) {
}

sim_driver::~sim_driver() {
  {
    std::lock_guard<std::mutex> guard(mtx_);
    stopping_ = true;
  }
  wake_.notify_one();
  timer_.join();
}

bool sim_driver::start(const container_spec& spec, container_handle* out,
                       std::string* error) {
  if (spec.id.empty()) {
    *error = "a container needs an id";
    return false;
  }
  sim_env env;
  if (!read_sim_env(spec.env, &env, error))
    return false;
  if (auto i = spec.env.find("SIM_START_FAIL"); i != spec.env.end()) {
    *error = "simulated start failure"
             + (i->second.empty() ? std::string() : ": " + i->second);
    return false;
  }
  std::lock_guard<std::mutex> guard(mtx_);
  if (ids_.count(spec.id) > 0) {
    *error = "container '" + spec.id + "' already exists";
    return false;
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  entry& e = slots_[slot];
  uint32_t generation = e.generation + 1;
  e = entry{};
  e.generation = generation;
  e.used = true;
  e.stop_delay_ms = env.stop_delay;
  int64_t base = add_ms(steady_next_ms(), env.start_delay);
  if (env.unhealthy_after >= 0)
    e.unhealthy_at = add_ms(base, env.unhealthy_after);
  if (env.crash_after >= 0) {
    e.end_at = add_ms(base, env.crash_after);
    e.end_code = 128 + SIGSEGV;
    e.end_signal = SIGSEGV;
  }
  if (env.exit_after >= 0 && add_ms(base, env.exit_after) < e.end_at) {
    e.end_at = add_ms(base, env.exit_after);
    e.end_code = static_cast<uint8_t>(env.exit_code);
    e.end_signal = 0;
  }
  if (e.end_at != never)
    schedule_locked(slot, e.end_at);
  ids_.emplace(spec.id, slot);
  out->id = spec.id;
  out->pid = static_cast<int>(sim_pid_base + slot);
  out->dir.clear();
  out->ready_after_ms = env.start_delay;
  return true;
}

std::optional<exit_status> sim_driver::poll(const container_handle& c) {
  std::lock_guard<std::mutex> guard(mtx_);
  entry* e = find_locked(c.id);
  if (!e)
    return exit_status{128 + SIGKILL, "the simulated container is gone", unix_now_ms()};
  settle_locked(*e, steady_now_ms());
  if (e->ended_ms == 0)
    return std::nullopt;
  return exit_status{e->end_code, end_message(e->end_code, e->end_signal), e->ended_ms};
}

bool sim_driver::notify_exit(const container_handle& c,
                             std::function<void()> on_exit) {
  std::lock_guard<std::mutex> guard(mtx_);
  entry* e = find_locked(c.id);
  if (e)
    settle_locked(*e, steady_now_ms());
  if (e && e->ended_ms == 0) {
    e->on_exit = std::move(on_exit);
    return true;
  }
  due_.push_back(std::move(on_exit));
  wake_.notify_one();
  return true;
}

void sim_driver::signal(const container_handle& c, int signal) {
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = ids_.find(c.id);
  int64_t now = steady_now_ms();
  if (i == ids_.end() || signal <= 0 || signal > 127)
    return;
  entry* e = &slots_[i->second];
  settle_locked(*e, now);
  if (e->ended_ms != 0)
    return;
  if (signal == SIGKILL || e->stop_delay_ms == 0) {
    end_locked(*e, 128 + signal, signal, now, now);
    return;
  }
  int64_t at = add_ms(steady_next_ms(), e->stop_delay_ms);
  if (at >= e->end_at)
    return;  // it ends sooner by itself
  e->end_at = at;
  e->end_code = static_cast<uint8_t>(128 + signal);
  e->end_signal = static_cast<uint8_t>(signal);
  schedule_locked(i->second, at);
}

void sim_driver::cleanup(const container_handle& c) {
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = ids_.find(c.id);
  if (i == ids_.end())
    return;
  entry& e = slots_[i->second];
  if (e.on_exit) {  // cleaned up before its end: it ends now
    due_.push_back(std::move(e.on_exit));
    wake_.notify_one();
  }
  uint32_t generation = e.generation;
  e = entry{};
  e.generation = generation;  // its queued deadlines no longer match
  free_slots_.push_back(i->second);
  ids_.erase(i);
}

std::vector<std::string>
sim_driver::exec_argv(const container_handle& c, const std::vector<std::string>& cmd,
                      bool tty) const {
  (void)tty;
  std::lock_guard<std::mutex> guard(mtx_);
  entry* e = find_locked(c.id);
  int64_t now = steady_now_ms();
  if (e)
    settle_locked(*e, now);
  bool control = !cmd.empty() && cmd[0] == "sim";
  std::string why;
  if (!e || e->ended_ms != 0)
    why = "the simulated container has ended";
  else if (control)
    why = control_locked(e, cmd);
  if (!why.empty())
    return {"/bin/sh", "-c",
            "printf '%s\\n' " + sh_word("sim: " + why) + " >&2; exit "
                + (control ? "2" : "1")};
  if (control || now < e->unhealthy_at)
    return {"/bin/true"};
  return {"/bin/false"};
}

std::optional<bool> sim_driver::simulated_health(const container_handle& c) const {
  std::lock_guard<std::mutex> guard(mtx_);
  entry* e = find_locked(c.id);
  int64_t now = steady_now_ms();
  if (e)
    settle_locked(*e, now);
  return e != nullptr && e->ended_ms == 0 && now < e->unhealthy_at;
}

std::string sim_driver::control_locked(entry* e,
                                       const std::vector<std::string>& cmd) const {
  const std::string what = cmd.size() > 1 ? cmd[1] : "";
  size_t args = cmd.size() > 2 ? cmd.size() - 2 : 0;
  int64_t now = steady_now_ms();
  if (what == "exit") {
    int code = cmd.size() == 3 ? parse_code(cmd[2]) : -1;
    if (code < 0)
      return "exit needs one exit code from 0 to 255"
             + (cmd.size() == 3 ? ", got " + quoted(cmd[2]) : std::string());
    end_locked(*e, code, 0, now, now);
  } else if (what == "crash" || what == "unhealthy" || what == "healthy") {
    if (args > 0)
      return quoted(what) + " takes no arguments";
    if (what == "crash")
      end_locked(*e, 128 + SIGSEGV, SIGSEGV, now, now);
    else
      e->unhealthy_at = what == "unhealthy" ? INT64_MIN : never;
  } else {
    return (what.empty() ? std::string("a command is missing")
                         : "unknown command " + quoted(what))
           + " (use exit N, crash, unhealthy or healthy)";
  }
  return "";
}

size_t sim_driver::size() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return ids_.size();
}

sim_driver::entry* sim_driver::find_locked(const std::string& id) const {
  auto i = ids_.find(id);
  return i == ids_.end() ? nullptr : &slots_[i->second];
}

void sim_driver::settle_locked(entry& e, int64_t now) const {
  if (e.ended_ms == 0 && e.end_at <= now)
    end_locked(e, e.end_code, e.end_signal, e.end_at, now);
}

void sim_driver::end_locked(entry& e, int code, int signal, int64_t at,
                            int64_t now) const {
  e.end_at = never;
  e.end_code = static_cast<uint8_t>(code);
  e.end_signal = static_cast<uint8_t>(signal);
  e.ended_ms = unix_now_ms() - (now - at);  // when it was due, if we are late
  if (e.ended_ms == 0)
    e.ended_ms = 1;
  if (e.on_exit) {
    due_.push_back(std::move(e.on_exit));
    e.on_exit = nullptr;
    wake_.notify_one();
  }
}

void sim_driver::schedule_locked(uint32_t slot, int64_t at) const {
  bool sooner = deadlines_.empty() || at < deadlines_.top().at;
  deadlines_.push({at, slot, slots_[slot].generation});
  if (sooner)
    wake_.notify_one();
}

void sim_driver::run() {
  name_this_thread("troupe.sim");
  std::unique_lock<std::mutex> lock(mtx_);
  while (!stopping_) {
    int64_t now = steady_now_ms();
    for (size_t n = 0; n < batch && !deadlines_.empty()
                       && deadlines_.top().at <= now; ++n) {
      deadline d = deadlines_.top();
      deadlines_.pop();
      entry& e = slots_[d.slot];
      if (e.used && e.generation == d.generation)
        settle_locked(e, now);
    }
    bool more = !deadlines_.empty() && deadlines_.top().at <= now;
    if (!due_.empty()) {
      std::vector<std::function<void()>> calls;
      calls.swap(due_);
      lock.unlock();
      for (auto& f : calls)
        f();
      calls.clear();  // what the callbacks hold goes without the mutex
      lock.lock();
      continue;
    }
    if (more)
      continue;
    if (deadlines_.empty())
      wake_.wait(lock);
    else  // at most an hour at a time: far deadlines overflow nanoseconds
      wake_.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::milliseconds(
                                 std::min(deadlines_.top().at, add_ms(now, 3600000)))));
  }
}

} // namespace troupe
