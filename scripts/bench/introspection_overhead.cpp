// Cost of the introspection probe (actors/observe/probe.hpp): message rates
// of plain CAF actors against probed ones registered in a registry.
//   pingpong: two actors bounce one message N times (latency-bound)
//   flood:    one thread sends N messages to one actor (throughput-bound)
// Each variant runs `runs` times, interleaved; the medians are printed with
// the overhead of the probed variant. Usage:
//   bench_introspection [N=200000] [runs=7]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/observe/probe.hpp"

using namespace troupe;

namespace {

struct bench_state {
  static inline const char* name = "bench";
  int64_t left = 0;
  std::promise<void>* done = nullptr;
};

template <class Self>
caf::behavior echo(Self self, int64_t count, std::promise<void>* done) {
  self->state.left = count;
  self->state.done = done;
  return {
    [=](int32_t x) {
      if (--self->state.left == 0 && self->state.done != nullptr) {
        self->state.done->set_value();
        return;
      }
      if (x >= 0) // ping-pong: bounce it back; flood messages are -1
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), x + 1);
    },
  };
}

template <class Base>
using self_of = caf::stateful_actor<bench_state, Base>*;

template <class Base>
double pingpong(caf::actor_system& sys, int64_t n) {
  std::promise<void> done;
  auto pong = sys.spawn(echo<self_of<Base>>, int64_t{1} << 60, nullptr);
  auto ping = sys.spawn(echo<self_of<Base>>, n, &done);
  auto t0 = std::chrono::steady_clock::now();
  caf::send_as(ping, pong, int32_t{0});
  done.get_future().wait();
  auto t1 = std::chrono::steady_clock::now();
  caf::anon_send_exit(ping, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
  return std::chrono::duration<double>(t1 - t0).count();
}

template <class Base>
double flood(caf::actor_system& sys, int64_t n) {
  std::promise<void> done;
  auto sink = sys.spawn(echo<self_of<Base>>, n, &done);
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i)
    caf::anon_send(sink, int32_t{-1});
  done.get_future().wait();
  auto t1 = std::chrono::steady_clock::now();
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  return std::chrono::duration<double>(t1 - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 200000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  observe::observed_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  using plain = caf::event_based_actor;
  using probed = observe::probed<caf::event_based_actor>;
  struct row {
    const char* name;
    std::vector<double> plain, probed;
  };
  std::vector<row> rows = {{"pingpong", {}, {}}, {"flood", {}, {}}};
  pingpong<plain>(sys, n / 10); // warm-up
  pingpong<probed>(sys, n / 10);
  for (int r = 0; r < runs; ++r) {
    rows[0].plain.push_back(pingpong<plain>(sys, n));
    rows[0].probed.push_back(pingpong<probed>(sys, n));
    rows[1].plain.push_back(flood<plain>(sys, n));
    rows[1].probed.push_back(flood<probed>(sys, n));
  }
  std::printf("%-10s %14s %14s %9s   (N=%lld, %d runs, medians)\n", "bench",
              "plain msg/s", "probed msg/s", "overhead", static_cast<long long>(n),
              runs);
  for (const auto& r : rows) {
    auto p = median(r.plain), q = median(r.probed);
    std::printf("%-10s %14.0f %14.0f %8.1f%%\n", r.name, n / p, n / q,
                (q / p - 1.0) * 100.0);
  }
  return 0;
}
