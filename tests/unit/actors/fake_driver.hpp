// An in-memory container driver for actor tests. start() records the spec
// (or fails when told to); poll() reports an exit once the test set one for
// a container; signal() records signals and, if configured, turns SIGTERM
// and SIGKILL into exits. Not thread-safe: meant for the test coordinator,
// where every actor runs on the test's thread.
#pragma once

#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/driver.hpp"

namespace troupe::test {

class fake_driver : public driver {
public:
  // -- knobs the test sets --------------------------------------------------
  bool fail_start = false;
  std::string fail_message = "image not found";
  bool exit_on_sigterm = true;
  bool exit_on_sigkill = true;

  // -- what the actors did --------------------------------------------------
  std::vector<container_spec> starts;                   // every start() call
  std::vector<std::pair<std::string, int>> signals;     // (container id, signal)
  std::vector<std::string> cleanups;                    // container ids

  std::string name() const override { return "process"; }

  bool start(const container_spec& spec, container_handle* out,
             std::string* error) override {
    starts.push_back(spec);
    if (fail_start) {
      *error = fail_message;
      return false;
    }
    out->id = spec.id;
    out->pid = next_pid_++;
    return true;
  }

  std::optional<exit_status> poll(const container_handle& c) override {
    auto i = exits_.find(c.id);
    if (i == exits_.end())
      return std::nullopt;
    return i->second;
  }

  void signal(const container_handle& c, int sig) override {
    signals.emplace_back(c.id, sig);
    if (sig == SIGTERM && exit_on_sigterm)
      exit(c.id, 128 + SIGTERM, "killed by SIGTERM");
    if (sig == SIGKILL && exit_on_sigkill)
      exit(c.id, 128 + SIGKILL, "killed by SIGKILL");
  }

  void cleanup(const container_handle& c) override { cleanups.push_back(c.id); }

  // -- helpers for the test -------------------------------------------------

  /// Makes the container exit (the first exit of a container wins).
  void exit(const std::string& container_id, int code,
            const std::string& message) {
    exits_.emplace(container_id, exit_status{code, message});
  }

  /// Id of the container started last ("" if none).
  std::string last_id() const {
    return starts.empty() ? std::string{} : starts.back().id;
  }

  /// The signals sent to one container, in order.
  std::vector<int> signals_to(const std::string& container_id) const {
    std::vector<int> out;
    for (const auto& [id, sig] : signals)
      if (id == container_id)
        out.push_back(sig);
    return out;
  }

private:
  int next_pid_ = 4242;
  std::map<std::string, exit_status> exits_;
};

} // namespace troupe::test
