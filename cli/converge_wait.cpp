#include "cli/converge_wait.hpp"

#include <chrono>

#include "cli/api_client.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "config/units.hpp"

namespace troupe::cli {

namespace {

bool is_job(const service_observation& s) {
  return s.mode == "replicated-job" || s.mode == "global-job";
}

std::string progress_text(const service_observation& s) {
  if (!s.found)
    return s.service + ": waiting for the service to appear";
  if (is_job(s)) {
    std::string text = s.service + ": " + std::to_string(s.completed) + "/" +
                       std::to_string(s.desired) + " completed";
    if (s.running > 0)
      text += ", " + std::to_string(s.running) + " running";
    return text;
  }
  std::string text = s.service + ": " + std::to_string(s.running) + "/" +
                     std::to_string(s.desired) + " running";
  if (s.updated < s.running)
    text += ", " + std::to_string(s.updated) + " updated";
  return text;
}

bool is_problem(const pb::Task& task) {
  if (task.desired_state() != pb::RUNNING)
    return false;
  if (task.state() == pb::PENDING)
    return !task.message().empty();
  return task.state() == pb::FAILED || task.state() == pb::REJECTED;
}

std::string task_label(const pb::Task& task) {
  if (task.slot() != 0)
    return task.service() + "." + std::to_string(task.slot());
  return task.service() + "." + (task.node().empty() ? task.id() : task.node());
}

task_problem problem_of(const std::string& service, const pb::Task& task) {
  std::string what = task.message();
  if (what.empty())
    what = "exit code " + std::to_string(task.exit_code());
  std::string state = task_state_name(task.state());
  return {service, task.id() + "|" + state + "|" + task.message(),
          task_label(task) + ": " + state + ": " + what};
}

// The newest task of each slot (node), by creation.
std::map<std::string, const pb::Task*> newest_per_slot(const std::vector<pb::Task>& tasks) {
  std::map<std::string, const pb::Task*> out;
  for (const auto& t : tasks) {
    auto key = t.slot() != 0 ? std::to_string(t.slot()) : t.node();
    auto& best = out[key];
    if (!best || t.created_at() > best->created_at())
      best = &t;
  }
  return out;
}

// Why waiting for `s` is pointless ("" when it is not).
std::string stuck_reason(const service_observation& s) {
  if (s.update_state == "paused" || s.update_state == "rollback_paused")
    return s.service + ": " + s.update_message;
  for (const auto& p : s.port_errors)
    return s.service + ": published port " + std::to_string(p.published()) +
           " cannot be opened on node " + p.node() + ": " + p.error();
  for (const auto& [slot, t] : newest_per_slot(s.tasks)) {
    bool ended = t->state() == pb::COMPLETE || t->state() == pb::FAILED;
    if (!ended || t->desired_state() != pb::RUNNING ||
        (s.spec_version != 0 && t->spec_version() != s.spec_version))
      continue;
    std::string what = task_label(*t) + ": " + task_state_name(t->state()) + ": " +
                       (t->message().empty() ? "exit code " + std::to_string(t->exit_code())
                                             : t->message());
    if (is_job(s)) {
      if (t->state() == pb::FAILED)
        return what + " (the job failed)";
      continue;
    }
    if (t->state() == pb::COMPLETE)
      return what + "; its restart policy does not start it again (a task that runs "
                    "to completion belongs in mode = \"replicated-job\")";
    return what + "; its restart policy gave up";
  }
  if (is_job(s) && s.failed > 0)
    return s.service + ": the job failed (" + std::to_string(s.failed) + " tasks failed)";
  return "";
}

} // namespace

convergence evaluate_convergence(const std::vector<service_observation>& services) {
  convergence c;
  for (const auto& s : services) {
    c.progress.push_back({s.service, progress_text(s)});
    bool update_done = s.update_state.empty() || s.update_state == "completed"
                       || s.update_state == "rolled_back";
    bool done = s.found && s.running == s.desired && s.updated == s.running
                && update_done && s.port_errors.empty();
    if (is_job(s))  // every task completed (a global-job: on some node at least)
      done = s.found && s.failed == 0 && s.running == 0 && s.completed == s.desired &&
             (s.desired > 0 || s.mode == "replicated-job");
    if (done)
      continue;
    c.waiting.push_back(s.service);
    if (c.stuck.empty())
      c.stuck = stuck_reason(s);
    for (const auto& task : s.tasks)
      if (is_problem(task))
        c.problems.push_back(problem_of(s.service, task));
  }
  c.converged = c.waiting.empty();
  return c;
}

std::vector<service_observation> observe(
    const std::vector<std::string>& services, const pb::Response& list,
    const std::map<std::string, std::vector<pb::Task>>& tasks) {
  std::vector<service_observation> out;
  for (const auto& name : services) {
    service_observation obs;
    obs.service = name;
    for (const auto& summary : list.services()) {
      if (summary.service().spec().name() != name)
        continue;
      obs.found = true;
      obs.desired = summary.replicas_desired();
      obs.running = summary.replicas_running();
      obs.updated = summary.tasks_updated();
      obs.update_state = summary.service().update_status().state();
      obs.update_message = summary.service().update_status().message();
      obs.mode = summary.service().spec().mode();
      obs.spec_version = summary.service().spec_version();
      obs.completed = summary.tasks_completed();
      obs.failed = summary.tasks_failed();
      obs.port_errors.assign(summary.service().port_errors().begin(),
                             summary.service().port_errors().end());
    }
    auto it = tasks.find(name);
    if (it != tasks.end())
      obs.tasks = it->second;
    out.push_back(std::move(obs));
  }
  return out;
}

std::vector<std::string> progress_tracker::new_lines(const convergence& c) {
  std::vector<std::string> lines;
  for (const auto& p : c.progress) {
    auto& last = progress_[p.service];
    if (last != p.text)
      lines.push_back(p.text);
    last = p.text;
  }
  for (const auto& problem : c.problems) {
    last_problem_[problem.service] = problem.text;
    if (shown_.insert(problem.key).second)
      lines.push_back(problem.text);
  }
  return lines;
}

std::string progress_tracker::reason(const std::string& service) const {
  auto problem = last_problem_.find(service);
  if (problem != last_problem_.end())
    return problem->second;
  auto progress = progress_.find(service);
  if (progress == progress_.end())
    return "no answer yet";
  std::string prefix = service + ": ";
  const std::string& text = progress->second;
  return text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
}

namespace {

// One round of polling; false with *error when the node failed to answer.
bool poll_once(const wait_options& o, const std::vector<std::string>& services,
               const std::vector<std::string>& waiting,
               std::vector<service_observation>* obs, std::string* error) {
  pb::Request request;
  request.mutable_list_services();
  pb::Response list;
  if (!call_api(o.address, request, &list, o.api_timeout_ms, error))
    return false;
  if (!list.error().empty()) {
    *error = list.error();
    return false;
  }
  std::map<std::string, std::vector<pb::Task>> tasks;
  for (const auto& name : waiting) {
    pb::Request ps;
    ps.set_service_ps(name);
    pb::Response answer;
    if (call_api(o.address, ps, &answer, o.api_timeout_ms, error) &&
        answer.error().empty())
      tasks[name].assign(answer.tasks().begin(), answer.tasks().end());
  }
  *obs = observe(services, list, tasks);
  return true;
}

} // namespace

bool wait_for_convergence(const wait_options& options,
                          const std::vector<std::string>& services,
                          std::ostream& out, std::string* error) {
  if (services.empty())
    return true;
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(options.timeout_ms);
  progress_tracker tracker;
  std::vector<std::string> waiting = services;
  std::string poll_error;
  for (;;) {
    std::vector<service_observation> obs;
    if (poll_once(options, services, waiting, &obs, &poll_error)) {
      poll_error.clear();
      auto c = evaluate_convergence(obs);
      for (const auto& line : tracker.new_lines(c))
        out << line << "\n" << std::flush;
      if (c.converged)
        return true;
      if (!c.stuck.empty()) {
        *error = c.stuck;
        return false;
      }
      waiting = c.waiting;
    }
    if (clock::now() >= deadline) {
      const std::string& first = waiting.empty() ? services.front() : waiting.front();
      std::string why = poll_error.empty() ? tracker.reason(first) : poll_error;
      *error = first + " did not converge within " +
               format_duration_ms(options.timeout_ms) + ": " + why;
      return false;
    }
    if (!sleep_unless_interrupted(options.poll_ms)) {
      *error = "interrupted while waiting; the change goes on in the background";
      return false;
    }
  }
}

} // namespace troupe::cli
