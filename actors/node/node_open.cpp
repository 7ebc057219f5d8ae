#include "actors/node/node_open.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <grp.h>
#include <malloc.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <caf/io/middleman.hpp>

#include "actors/node/protobuf_log.hpp"

namespace troupe {

std::string host_name() {
  char buf[256] = {0};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

pb::Node node_record(const pb::NodeConfig& nc, const std::string& role,
                     const std::string& drivers) {
  pb::Node n;
  n.set_name(nc.name());
  n.set_role(role);
  n.set_state("ready");
  n.set_availability("active");
  n.set_address(nc.address());
  n.mutable_labels()->insert(nc.labels().begin(), nc.labels().end());
  n.set_cpus(nc.cpus());
  n.set_memory_bytes(nc.memory_bytes());
  n.set_port_min(nc.port_min());
  n.set_port_max(nc.port_max());
  n.set_hostname(host_name());
  n.set_drivers(drivers);
  *n.mutable_bind_prefixes() = nc.bind_prefixes();
  return n;
}

/// The raft member's setup: its log, and the managers it replicates with
/// (just itself when standalone).
bool open_raft(const pb::ClusterConfig& config, const pb::NodeConfig& nc,
               const std::string& role, state_db& db, raft_setup* out,
               std::string* err) {
  out->id = nc.name();
  if (role == "standalone") {
    pb::ManagerConfig self;
    self.set_name(nc.name());
    out->managers.push_back(self);
  } else {
    out->managers.assign(config.managers().begin(), config.managers().end());
  }
  out->storage = raft::raft_log_db::open(nc.data_dir() + "/manager/raft.db", err);
  if (!out->storage)
    return false;
  if (!db.applied_index(&out->applied, err))
    return false;
  const auto& t = config.timings();
  out->tick_ms = t.raft_heartbeat_ms() > 0 ? t.raft_heartbeat_ms() : 100;
  // The core waits a random [e, 2e) ticks; with e = half the configured
  // timeout, a follower campaigns after 0.5-1x election_timeout of silence.
  out->election_ticks = static_cast<int>(
    std::max<int64_t>(2, t.election_timeout_ms() / 2 / out->tick_ms));
  return true;
}

/// Binds DATA_DIR/api.sock (mode 0660, group `group` when given); its
/// absolute path, or "" with *err. A socket file left there is stale: the
/// data dir is locked.
std::string bind_local_socket(api_socket& api, const std::string& data_dir,
                              const std::string& group, std::string* err) {
  namespace fs = std::filesystem;
  auto path = fs::absolute(data_dir + "/api.sock").lexically_normal().string();
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    *err = "the API socket path " + path + " is longer than "
           + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1)
           + " bytes; use a shorter --data-dir";
    return "";
  }
  ::unlink(path.c_str());
  try {
    api.bind("ipc://" + path);
  } catch (const zmq::error_t& e) {
    *err = "cannot listen on " + path + ": " + e.what();
    return "";
  }
  if (!group.empty()) {
    auto gr = getgrnam(group.c_str());
    if (gr == nullptr || ::chown(path.c_str(), static_cast<uid_t>(-1), gr->gr_gid) != 0) {
      *err = "cannot give the API socket " + path + " to group '" + group + "'"
             + (gr == nullptr ? std::string(": no such group") : ": " + std::string(strerror(errno)));
      return "";
    }
  }
  if (::chmod(path.c_str(), 0660) != 0) {
    *err = "cannot set the mode of " + path + ": " + strerror(errno);
    return "";
  }
  return path;
}

/// glibc's allocator, set for a long-lived process with many threads:
/// one arena per core (not 8 per core: each arena keeps its own freed
/// memory, which made a third of a 4,000-task node's RSS), and fixed
/// mmap/trim thresholds (the dynamic ones grow after one big free and then
/// never give memory back).
void tune_allocator() {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(1L, cores)));
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

sigset_t prepare_node_process() {
  tune_allocator();
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  install_protobuf_log();
  return signals;
}

void configure_actor_system(observe::observed_config& cfg) {
  cfg.add_message_types<caf::id_block::troupe>();
  cfg.add_message_types<caf::id_block::troupe_actors>();
  cfg.load<caf::io::middleman>();
  // CAF's workers poll their queues 500 times, 50us apart, after every job
  // before they sleep on a condition variable: with a timer firing every few
  // milliseconds (task polls, raft ticks) every worker stayed in that loop
  // (~10% of a core each on an idle node). Poll briefly, then sleep; a
  // sleeping worker is woken by new work, so its timed wake-ups (to steal)
  // can be rare.
  cfg.set("work-stealing.moderate-poll-attempts", 10);
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(50)});
  // Handles learned through another manager (a leader's dispatcher handed
  // over by a follower's gateway) get a direct connection, so their loss is
  // seen as soon as that process goes.
  cfg.set("middleman.enable-automatic-connections", true);
}

} // namespace troupe
