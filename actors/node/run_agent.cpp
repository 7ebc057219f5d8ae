#include "actors/node/run_agent.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <grp.h>
#include <malloc.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/node/data_check.hpp"
#include "actors/node/data_recover.hpp"
#include "actors/node/data_dir_lock.hpp"
#include "actors/node/node.hpp"
#include "actors/node/node_open.hpp"
#include "actors/node/protobuf_log.hpp"
#include "actors/observe/metrics_server.hpp"
#include "actors/network/core/vip.hpp"
#include "actors/network/sockets.hpp"
#include "config/cluster_config.hpp"
#include "runtime/child_process.hpp"
#include "runtime/image_store.hpp"
#include "runtime/open_file_limit.hpp"
#include "messages/errors.hpp"

namespace troupe {

namespace {

int fail(const std::string& sentence) {
  std::cerr << "troupe: " << sentence << std::endl;
  return 1;
}


/// --recover: prints one line per thing done; false (with the sentence
/// printed) when it failed.
bool recover(const std::string& manager_dir) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  auto r = recover_manager_data(manager_dir, stamp);
  for (const auto& line : r.done)
    std::cerr << "troupe: recover: " << line << std::endl;
  if (!r.error.empty()) {
    fail(r.error);
    return false;
  }
  if (r.done.empty())
    std::cerr << "troupe: recover: " << manager_dir << " is sound; nothing was changed"
              << std::endl;
  return true;
}


/// Drivers this host can run; `drivers` lists their names, comma-separated.
/// The sim driver only on a node whose config says `driver = "sim"`: a
/// simulated node, whose sim tasks never take the place of real ones.
std::map<std::string, std::shared_ptr<driver>>
open_drivers(const pb::NodeConfig& nc, std::string* names) {
  std::map<std::string, std::shared_ptr<driver>> out;
  driver_options opts;
  opts.images_dir = nc.images_dir();
  std::vector<const char*> wanted{"process", "oci"};
  if (nc.driver() == "sim")
    wanted.push_back("sim");
  for (const char* name : wanted) {
    std::string err;
    auto d = make_driver(name, opts, &err);
    if (!d) {
      std::cerr << "troupe: driver '" << name << "' is not available: " << err
                << std::endl;
      continue;
    }
    *names += (names->empty() ? "" : ",") + std::string(name);
    out.emplace(name, std::move(d));
  }
  return out;
}



/// Waits for SIGTERM/SIGINT or the end of the node actor.
int wait_for_stop(caf::scoped_actor& self, const node_actor& node,
                  const sigset_t& signals, bool stop_tasks) {
  self->monitor(node);
  for (;;) {
    timespec tick{0, 200 * 1000 * 1000};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig > 0) {
      std::cerr << "troupe: stopping (" << strsignal(sig) << "): "
                << (stop_tasks ? "stopping tasks"
                               : "tasks keep running (re-attached at the next start)")
                << std::endl;
      return 0;
    }
    bool down = false;
    caf::error reason;
    self->receive(
      [&](caf::down_msg& msg) {
        down = true;
        reason = msg.reason;
      },
      caf::after(std::chrono::milliseconds(0)) >> [] {});
    if (down)
      return fail("the node stopped: " + error_message(reason));
  }
}

} // namespace

namespace {


/// Lifts the open-file limit (each task holds descriptors in the agent) and
/// says, when it could not, how many tasks the limit allows. Tasks get the
/// limit the agent started with.
void raise_file_limit_for_tasks() {
  auto files = raise_open_file_limit();
  if (files.before_soft != 0)
    set_children_open_file_limit(files.before_soft, files.before_hard);
  if (!files.error.empty())
    std::cerr << "troupe: cannot raise the open-file limit above " << files.now
              << ": " << files.error << "; each task holds "
              << open_files_per_task << " open files, so this node can run about "
              << files.now / open_files_per_task << " tasks" << std::endl;
}

} // namespace

int run_agent(const agent_options& options) {
  sigset_t signals = prepare_node_process();
  if (options.role != "standalone" && options.role != "manager"
      && options.role != "worker")
    return fail("unknown role '" + options.role
                + "' (use standalone, manager or worker)");
  pb::ClusterConfig config = default_cluster_config();
  input_limits limits;
  std::string api_socket_group;
  if (!options.config_path.empty()) {
    auto loaded = load_cluster_config(options.config_path);
    if (!loaded.ok()) {
      std::cerr << to_string(loaded.errors);
      return fail("the cluster config has errors; nothing was started");
    }
    config = loaded.config;
    limits = loaded.limits;
    api_socket_group = loaded.api_socket_group;
  }
  auto name = options.name.empty() ? host_name() : options.name;
  auto nc = resolve_node(config, name);
  if (!options.data_dir.empty())
    nc.set_data_dir(options.data_dir);
  if (!options.api_address.empty())
    nc.set_api_address(options.api_address);

  namespace fs = std::filesystem;
  std::error_code ec;
  auto tasks_dir = nc.data_dir() + "/tasks";
  fs::create_directories(nc.data_dir() + "/manager", ec);
  fs::create_directories(tasks_dir, ec);
  if (ec)
    return fail("cannot create the data dir " + nc.data_dir() + ": "
                + ec.message());
  // Before anything in the data dir is opened: one agent per data dir.
  std::string lock_error;
  auto lock = data_dir_lock::acquire(nc.data_dir(), &lock_error);
  if (!lock.held())
    return fail(lock_error);
  raise_file_limit_for_tasks();

  const pb::ManagerConfig* manager = nullptr;
  for (const auto& m : config.managers())
    if (m.name() == nc.name())
      manager = &m;
  if (options.role == "manager" && manager == nullptr)
    return fail("node '" + nc.name() + "' is not one of the managers in "
                + (config.source().empty() ? "the built-in config" : config.source()));

  node_setup setup;
  setup.role = options.role;
  setup.timings = config.timings();
  setup.cluster = config.name();
  setup.join_token = config.join_token();
  if (manager != nullptr)
    setup.cluster_address = manager->cluster_address();
  std::string driver_names;
  if (options.role != "manager")
    setup.drivers = open_drivers(nc, &driver_names);
  if (setup.drivers.count("oci") != 0)
    setup.images_dir = nc.images_dir().empty() ? default_images_dir : nc.images_dir();
  setup.record = node_record(nc, options.role, driver_names);
  setup.tasks_dir = tasks_dir;
  if (!nc.ingress_address().empty())
    setup.ingress_host = nc.ingress_address();
  if (!nc.dns_address().empty())
    setup.dns_address = nc.dns_address();
  if (!nc.dns_address().empty() && nc.dns_address() != "off") {
    // A configured DNS port that is taken is a start-up error (the default
    // one only turns DNS off, with a line in the log).
    std::string err;
    int fd = network::open_udp(nc.dns_address(), &err);
    if (fd < 0)
      return fail("DNS cannot start: " + err
                  + " (give each node on a host its own dns_address, or \"off\")");
    ::close(fd);
  }
  if (config.vip_port_min() != 0)  // the same on every manager: VIPs are committed
    network::set_vip_range({config.vip_port_min(), config.vip_port_max()});
  for (const auto& m : config.managers())
    setup.upstream.managers.push_back(m.cluster_address());
  setup.upstream.join_token = config.join_token();
  setup.upstream.heartbeat_ms = config.timings().node_heartbeat_ms();
  setup.upstream.stop_tasks = options.stop_tasks || nc.stop_tasks();
  if (options.role != "worker") {
    if (options.recover && !recover(nc.data_dir() + "/manager"))
      return 1;
    if (auto damage = check_manager_data(nc.data_dir() + "/manager"); !damage.empty())
      return fail(damage + "; nothing was started (see \"A damaged data dir\" in "
                           "docs/config.md, or start with --recover)");
    std::string err;
    setup.db = state_db::open(nc.data_dir() + "/manager/state.db", &err);
    if (!setup.db)
      return fail(err);
    if (!open_raft(config, nc, options.role, *setup.db, &setup.raft, &err))
      return fail(err);
  }
  // A worker serves the console's introspection requests on its own API
  // address, when one is given (--api or its [nodes.NAME] api_address).
  bool worker_api = !options.api_address.empty();
  for (const auto& n : config.nodes())
    if (n.name() == nc.name() && !n.api_address().empty())
      worker_api = true;
  std::string api_socket_path;
  if (options.role != "worker" || worker_api) {
    setup.api = std::make_shared<api_socket>();
    setup.api->set_limits(limits);
    if (!nc.api_address().empty()) {
      try {
        setup.api->bind("tcp://" + nc.api_address());
      } catch (const zmq::error_t& e) {
        return fail("cannot listen on " + nc.api_address() + ": " + e.what());
      }
    }
    // The local clients' door: a unix socket in the data dir (as docker.sock).
    std::string err;
    api_socket_path = bind_local_socket(*setup.api, nc.data_dir(), api_socket_group, &err);
    if (api_socket_path.empty())
      return fail(err);
  }

  // Events (managers, standalone): a PUB socket next to the API.
  if (!options.events_address.empty())
    nc.set_events_address(options.events_address);
  if (options.role != "worker") {
    auto address = nc.events_address();
    if (address.empty())
      address = nc.api_address().empty()
                  ? "ipc://" + fs::absolute(nc.data_dir() + "/events.sock").string()
                  : observe::default_events_address(nc.api_address());
    setup.events = std::make_shared<observe::events_socket>();
    setup.events->address = address;
    try {
      setup.events->socket.set(zmq::sockopt::linger, 0);
      setup.events->socket.bind(address.find("://") == std::string::npos ? "tcp://" + address
                                                                          : address);
    } catch (const zmq::error_t& e) {
      if (!nc.events_address().empty())
        return fail("cannot publish events on " + address + ": " + e.what()
                    + " (set events_address or --events-address)");
      std::cerr << "troupe: cannot publish events on the default " << address
                << ": " << e.what() << "; events are off (set events_address)"
                << std::endl;
      setup.events = nullptr;
    }
  }
  // Metrics (every node): a configured address that is busy is an error; the
  // derived default only gets a warning.
  if (!options.metrics_address.empty())
    nc.set_metrics_address(options.metrics_address);
  std::unique_ptr<observe::metrics_server> metrics;
  std::string metrics_address =
    !nc.metrics_address().empty() ? nc.metrics_address()
    : nc.api_address().empty()    ? std::string("127.0.0.1:9100")
                                  : observe::default_metrics_address(nc.api_address());
  if (metrics_address != "off" && !metrics_address.empty()) {
    std::string err;
    metrics = observe::metrics_server::start(metrics_address, &err);
    if (!metrics && !nc.metrics_address().empty())
      return fail(err + " (set metrics_address or --metrics-address)");
    if (!metrics)
      std::cerr << "troupe: " << err << "; metrics are off (set metrics_address)"
                << std::endl;
  }

  observe::observed_config cfg;
  configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  auto setup_cluster_address = setup.cluster_address;
  bool setup_has_api = setup.api != nullptr;
  observe::set_node_identity(sys, nc.name(), options.role);
  if (metrics)
    metrics->set_actor_system(sys);
  auto events_address = setup.events ? setup.events->address : std::string{};
  auto root = sys.spawn(node, std::move(setup));
  std::cout << "troupe: " << options.role << " node '" << nc.name() << "' is up";
  if (setup_has_api && !nc.api_address().empty())
    std::cout << "; API on " << nc.api_address() << " and ipc://" << api_socket_path;
  else if (setup_has_api)
    std::cout << "; API on ipc://" << api_socket_path;
  if (options.role == "manager")
    std::cout << "; cluster address " << setup_cluster_address;
  if (!events_address.empty())
    std::cout << "; events on " << events_address;
  if (metrics)
    std::cout << "; metrics on " << metrics_address;
  if (options.role == "worker")
    std::cout << "; joining the managers of cluster '" << config.name() << "'";
  std::cout << "; data in " << nc.data_dir() << " (drivers: "
            << (driver_names.empty() ? "none" : driver_names) << ")"
            << std::endl;
  caf::scoped_actor self{sys};
  int code = wait_for_stop(self, root, signals,
                           options.stop_tasks || nc.stop_tasks());
  if (code == 0) {
    self->request(root, std::chrono::minutes(2), atom::shutdown_v)
      .receive([](bool) {},
               [&](const caf::error& e) {
                 std::cerr << "troupe: tasks did not all stop: "
                           << error_message(e) << std::endl;
               });
  }
  self->send_exit(root, caf::exit_reason::user_shutdown);
  metrics.reset(); // stop serving before the actor system goes
  return code;
}

} // namespace troupe
