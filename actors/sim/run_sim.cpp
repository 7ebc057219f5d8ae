#include "actors/sim/run_sim.hpp"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>

#include "actors/node/data_dir_lock.hpp"
#include "actors/node/node.hpp"
#include "actors/node/node_open.hpp"
#include "actors/node/protobuf_log.hpp"
#include "actors/sim/fault_runner.hpp"
#include "config/cluster_config.hpp"
#include "config/limits.hpp"
#include "runtime/blocking_pool.hpp"
#include "runtime/driver.hpp"

namespace troupe {

namespace {

namespace fs = std::filesystem;
using sim::fault;
using clock_type = std::chrono::steady_clock;

int fail(const std::string& sentence) {
  std::cerr << "troupe: " << sentence << std::endl;
  return 1;
}

/// The file's text, at most 1 MiB; false with *err otherwise.
bool read_script(const std::string& path, std::string* text, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = "cannot read the fault script " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  *text = s.str();
  if (text->size() > (1u << 20)) {
    *err = "the fault script " + path + " is larger than 1 MiB";
    return false;
  }
  return true;
}

/// Everything manager `i` (0-based) needs, opened; "" or the sentence.
std::string open_manager(const pb::ClusterConfig& config, int i, const std::string& dir,
                         const std::string& host, int api_port, node_setup* out,
                         std::vector<data_dir_lock>* locks) {
  const auto& m = config.managers(i);
  pb::NodeConfig nc = resolve_node(config, m.name());
  nc.set_data_dir(dir + "/" + m.name());
  std::error_code ec;
  fs::create_directories(nc.data_dir() + "/manager", ec);
  if (ec)
    return "cannot create the data dir " + nc.data_dir() + ": " + ec.message();
  std::string err;
  auto lock = data_dir_lock::acquire(nc.data_dir(), &err);
  if (!lock.held())
    return err;
  locks->push_back(std::move(lock));
  out->role = "manager";
  out->timings = config.timings();
  out->cluster = config.name();
  out->join_token = config.join_token();
  out->cluster_address = m.cluster_address();
  out->record = node_record(nc, "manager", "");
  out->tasks_dir = nc.data_dir() + "/tasks";
  out->dns_address = "off";
  out->ingress_host = "127.0.10." + std::to_string(i + 1);
  out->db = state_db::open(nc.data_dir() + "/manager/state.db", &err);
  if (!out->db || !open_raft(config, nc, "manager", *out->db, &out->raft, &err))
    return err;
  out->api = std::make_shared<api_socket>();
  // A simulated cluster is for sizes no real node takes: services of up to
  // a million tasks, ten million in all.
  input_limits limits;
  limits.max_replicas = max_replicas_ceiling;
  limits.max_tasks = max_tasks_ceiling;
  out->api->set_limits(limits);
  auto address = host + ":" + std::to_string(api_port);
  try {
    out->api->bind("tcp://" + address);
  } catch (const zmq::error_t& e) {
    return "cannot listen on " + address + ": " + e.what();
  }
  if (bind_local_socket(*out->api, nc.data_dir(), "", &err).empty())
    return err;
  out->events = std::make_shared<observe::events_socket>();
  out->events->address = "ipc://" + fs::absolute(nc.data_dir() + "/events.sock").string();
  try {
    out->events->socket.set(zmq::sockopt::linger, 0);
    out->events->socket.bind(out->events->address);
  } catch (const zmq::error_t& e) {
    return "cannot publish events on " + out->events->address + ": " + e.what();
  }
  return "";
}

/// The cluster config of the simulation: its managers on loopback.
pb::ClusterConfig sim_config(const sim_options& o, const std::string& host, int port) {
  pb::ClusterConfig config = default_cluster_config();
  config.set_name("sim");
  config.clear_managers();
  for (int i = 0; i < o.managers; ++i) {
    auto* m = config.add_managers();
    m->set_name("sim-m" + std::to_string(i + 1));
    m->set_api_address(host + ":" + std::to_string(port + i));
    m->set_cluster_address(host + ":" + std::to_string(port + o.managers + i));
  }
  return config;
}

/// Reads what stdin has (without blocking); the faults of its complete lines.
void read_stdin(std::string* pending, bool* open, std::vector<fault>* out) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (!*open || ::poll(&p, 1, 0) != 1)
    return;
  char buf[4096];
  auto n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n <= 0) {
    *open = false;
    return;
  }
  pending->append(buf, static_cast<size_t>(n));
  for (auto nl = pending->find('\n'); nl != std::string::npos; nl = pending->find('\n')) {
    auto line = pending->substr(0, nl + 1);
    pending->erase(0, nl + 1);
    auto parsed = sim::parse_faults(line, false);
    if (!parsed.error.empty())
      std::cerr << "troupe: sim: " << parsed.error.substr(parsed.error.find(": ") + 2)
                << "; nothing was done" << std::endl;
    for (auto& f : parsed.faults)
      out->push_back(f);
  }
  if (pending->size() > 4096) {
    std::cerr << "troupe: sim: a line longer than 4096 bytes was ignored" << std::endl;
    pending->clear();
  }
}

} // namespace

int run_sim(const sim_options& o) {
  sigset_t signals = prepare_node_process();
  if (o.managers < 1 || o.managers > max_sim_managers)
    return fail("--managers must be from 1 to " + std::to_string(max_sim_managers));
  if (o.workers > max_sim_workers)
    return fail("--workers must be at most " + std::to_string(max_sim_workers));
  if (o.heartbeat_ms < 0 || o.heartbeat_ms > 60000)
    return fail("--heartbeat must be at most 1m");
  auto colon = o.api_address.rfind(':');
  int port = colon == std::string::npos ? 0 : std::atoi(o.api_address.c_str() + colon + 1);
  if (colon == std::string::npos || port < 1024 || port + 2 * o.managers > 65536)
    return fail("--api must be HOST:PORT with room for " + std::to_string(2 * o.managers)
                + " ports from PORT (1024-65535)");
  auto host = o.api_address.substr(0, colon);
  std::vector<fault> script;
  if (!o.script_path.empty()) {
    std::string text, err;
    if (!read_script(o.script_path, &text, &err))
      return fail(err);
    auto parsed = sim::parse_faults(text, true);
    if (!parsed.error.empty())
      return fail(o.script_path + ": " + parsed.error + "; nothing was started");
    script = parsed.faults;
  }
  std::string dir = o.data_dir;
  bool temporary = dir.empty();
  if (temporary) {
    auto tmpl = (fs::temp_directory_path() / "troupe-sim-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      return fail("cannot make a data dir under " + fs::temp_directory_path().string()
                  + ": " + std::strerror(errno));
    dir = tmpl;
  }
  auto config = sim_config(o, host, port);
  if (o.heartbeat_ms > 0)
    config.mutable_timings()->set_node_heartbeat_ms(o.heartbeat_ms);
  std::vector<data_dir_lock> locks;
  std::vector<node_setup> setups(static_cast<size_t>(o.managers));
  for (int i = 0; i < o.managers; ++i)
    if (auto err = open_manager(config, i, dir, host, port + i, &setups[i], &locks);
        !err.empty())
      return fail(err);
  auto workers_dir = dir + "/workers";
  std::error_code ec;
  fs::create_directories(workers_dir, ec);
  std::string err;
  std::shared_ptr<driver> sim_driver = make_driver("sim", {}, &err);
  if (!sim_driver)
    return fail(err);

  observe::observed_config cfg;
  configure_actor_system(cfg);
  {
    caf::actor_system sys{cfg};
    observe::set_node_identity(sys, "sim", "sim");
    sim::sim_members members;
    for (int i = 0; i < o.managers; ++i) {
      setups[i].on_leadership = [leader = members.leader, i](bool leading) {
        if (leading)
          leader->store(i);
        else {
          int me = i;
          leader->compare_exchange_strong(me, -1);
        }
      };
      members.manager_names.push_back(config.managers(i).name());
      members.managers.push_back(sys.spawn(node, std::move(setups[i])));
    }
    // The workers join through the managers' gateways, found as a worker
    // finds them (the middleman hands this process's own actors over).
    upstream_config up;
    up.heartbeat_ms = config.timings().node_heartbeat_ms();
    for (const auto& m : config.managers()) {
      auto a = m.cluster_address();
      auto c = a.rfind(':');
      // The node publishes its gateway once it has started: wait for it.
      auto deadline = clock_type::now() + std::chrono::seconds(10);
      auto gw = sys.middleman().remote_actor(
        a.substr(0, c), static_cast<uint16_t>(std::stoi(a.substr(c + 1))));
      while (!gw && clock_type::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        gw = sys.middleman().remote_actor(
          a.substr(0, c), static_cast<uint16_t>(std::stoi(a.substr(c + 1))));
      }
      if (!gw) {
        for (const auto& n : members.managers)
          caf::anon_send_exit(n, caf::exit_reason::kill);
        return fail("manager " + m.name() + " did not listen on " + a + " within 10s: "
                    + to_string(gw.error()));
      }
      up.gateways.push_back(caf::actor_cast<gateway_actor>(*gw));
    }
    // Workers join once a leader is elected (else each one's first tries
    // would only say there is none).
    auto elected_by = clock_type::now() + std::chrono::seconds(30);
    while (members.leader->load() < 0 && clock_type::now() < elected_by)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto pool = std::make_shared<blocking_pool>(4);
    std::map<std::string, std::shared_ptr<driver>> drivers{{"sim", sim_driver}};
    for (auto& record : sim::sim_workers(o.workers, o.seed)) {
      members.worker_names.push_back(record.name());
      members.workers.push_back(sys.spawn(agent, std::move(record), up, drivers,
                                          workers_dir, std::string{}, pool));
    }
    std::cout << "troupe: sim: " << o.managers << " managers (API on " << host << ":"
              << port << "-" << port + o.managers - 1 << "), " << o.workers
              << " simulated workers joining (seed " << o.seed << "); data in " << dir
              << std::endl;
    if (!script.empty())
      std::cout << "troupe: sim: " << script.size() << " faults from " << o.script_path
                << std::endl;
    sim::fault_runner faults(members, o.seed);
    auto start = clock_type::now();
    size_t next = 0;
    std::string pending;
    bool stdin_open = true;
    auto say = [&](const std::string& line) {
      auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
      std::cout << "troupe: sim: at " << std::fixed << std::setprecision(1) << secs
                << "s " << line << std::endl;
    };
    for (;;) {
      timespec tick{0, 50 * 1000 * 1000};
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig > 0) {
        std::cout << "troupe: sim: stopping (" << strsignal(sig) << ")" << std::endl;
        break;
      }
      auto now = clock_type::now();
      std::vector<fault> due;
      for (; next < script.size()
             && start + std::chrono::milliseconds(script[next].at_ms) <= now;
           ++next)
        due.push_back(script[next]);
      read_stdin(&pending, &stdin_open, &due);
      for (const auto& f : due)
        say(faults.apply(f, now));
      for (const auto& line : faults.heal_due(now))
        say(line);
    }
    for (const auto& w : members.workers)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    for (const auto& m : members.managers)
      caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
  }
  if (temporary)
    fs::remove_all(dir, ec);
  return 0;
}

} // namespace troupe
