// Waiting for a rolling update (see update_wait.hpp).
#include "cli/update_wait.hpp"

#include <chrono>

#include "cli/api_client.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "config/units.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe::cli {

namespace {

std::string counts(const pb::UpdateStatus& s, uint32_t desired) {
  std::string out = std::to_string(s.updated()) + "/" + std::to_string(desired)
                    + " updated";
  if (s.failed() > 0)
    out += ", " + std::to_string(s.failed()) + " failed";
  return out;
}

std::string state_words(const std::string& state) {
  if (state == "rollback_started")
    return "rolling back";
  if (state == "rollback_paused")
    return "rollback paused";
  if (state == "rolled_back")
    return "rolled back";
  return state;
}

} // namespace

std::string update_status_text(const pb::UpdateStatus& s, int64_t now_ms) {
  if (s.state().empty())
    return "";
  std::string out = state_words(s.state());
  if (!s.message().empty())
    out += ": " + s.message();
  std::string detail = std::to_string(s.updated()) + " updated";
  if (s.failed() > 0)
    detail += ", " + std::to_string(s.failed()) + " failed";
  if (s.completed_at() != 0)
    detail += ", done " + format_age(now_ms - s.completed_at()) + " ago";
  else if (s.started_at() != 0)
    detail += ", started " + format_age(now_ms - s.started_at()) + " ago";
  return out + " (" + detail + ")";
}

update_progress evaluate_update(const pb::ServiceSummary& summary,
                                bool rollback, int64_t now_ms) {
  (void)now_ms;
  update_progress p;
  const pb::Service& svc = summary.service();
  const pb::UpdateStatus& s = svc.update_status();
  const std::string& name = svc.spec().name();
  p.line = name + ": " + state_words(s.state().empty() ? "updating" : s.state())
           + ": " + counts(s, summary.replicas_desired());
  const std::string& st = s.state();
  if (st.empty()) { // no rollout was ever started: nothing to wait for
    p.finished = true;
    p.ok = true;
  } else if (st == "completed") {
    p.finished = true;
    p.ok = !rollback;
    if (!p.ok)
      p.error = "service " + name + " was updated again before its rollback ended";
  } else if (st == "rolled_back") {
    p.finished = true;
    p.ok = rollback;
    if (!p.ok)
      p.error = "service " + name + " was rolled back: " + s.message();
  } else if (st == "paused" || st == "rollback_paused") {
    p.finished = true;
    p.error = "service " + name + ": " + s.message();
  }
  if (p.finished && !s.message().empty() && p.ok)
    p.line += " (" + s.message() + ")";
  return p;
}

bool wait_for_update(const wait_options& o, const std::string& service,
                     bool rollback, std::ostream& out, std::string* error) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(o.timeout_ms);
  std::string last_line, poll_error;
  for (;;) {
    pb::Request request;
    request.set_inspect_service(service);
    pb::Response response;
    if (call_api(o.address, request, &response, o.api_timeout_ms, &poll_error)) {
      if (!response.error().empty()) {
        *error = response.error();
        return false;
      }
      if (response.services_size() > 0) {
        auto p = evaluate_update(response.services(0), rollback, unix_now_ms());
        if (p.line != last_line)
          out << p.line << "\n" << std::flush;
        last_line = p.line;
        if (p.finished) {
          *error = p.error;
          return p.ok;
        }
      }
    }
    if (clock::now() >= deadline) {
      *error = service + " did not finish its update within "
               + format_duration_ms(o.timeout_ms) + ": "
               + (poll_error.empty() ? last_line : poll_error);
      return false;
    }
    if (!sleep_unless_interrupted(o.poll_ms)) {
      *error = "interrupted while waiting; the update goes on in the background";
      return false;
    }
  }
}

} // namespace troupe::cli
