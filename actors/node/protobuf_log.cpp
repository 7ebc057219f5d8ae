#include "actors/node/protobuf_log.hpp"

#include <chrono>
#include <iostream>
#include <mutex>

#include <google/protobuf/stubs/logging.h>

namespace troupe {

std::string log_rate_limit::admit(int64_t now_ms, const std::string& line) {
  std::string out;
  if (window_start_ == INT64_MIN || now_ms - window_start_ >= window_ms_) {
    if (dropped_ > 0)
      out += "troupe: protobuf: " + std::to_string(dropped_)
             + " more messages were dropped (at most " + std::to_string(burst_) + " per "
             + std::to_string(window_ms_ / 1000) + "s)\n";
    window_start_ = now_ms;
    in_window_ = 0;
    dropped_ = 0;
  }
  if (in_window_ >= burst_) {
    ++dropped_;
    return out;
  }
  ++in_window_;
  return out + line;
}

namespace {

std::mutex log_mutex;
log_rate_limit protobuf_limit{10, 60000};

void on_protobuf_log(google::protobuf::LogLevel level, const char* file, int line,
                     const std::string& message) {
  if (level < google::protobuf::LOGLEVEL_WARNING)
    return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
               .count();
  std::lock_guard<std::mutex> guard(log_mutex);
  auto text = protobuf_limit.admit(now, "troupe: protobuf: " + message + "\n");
  if (!text.empty())
    std::cerr << text << std::flush;
}

} // namespace

void install_protobuf_log() { google::protobuf::SetLogHandler(&on_protobuf_log); }

} // namespace troupe
