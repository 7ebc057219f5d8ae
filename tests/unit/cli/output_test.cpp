#include <gtest/gtest.h>

#include "cli/output.hpp"

namespace troupe::cli {
namespace {

TEST(render_table, pads_columns_to_the_widest_cell_without_trailing_spaces) {
  auto out = render_table({"NAME", "REPLICAS", "X"},
                          {{"demo_web", "2/3", "a"}, {"db", "10/10", ""}});
  EXPECT_EQ(out,
            "NAME       REPLICAS   X\n"
            "demo_web   2/3        a\n"
            "db         10/10\n");
}

TEST(render_table, headers_only_when_there_are_no_rows) {
  EXPECT_EQ(render_table({"NAME", "ROLE"}, {}), "NAME   ROLE\n");
}

TEST(format_rfc3339, renders_utc_with_milliseconds_only_when_present) {
  struct row { int64_t ms; const char* want; };
  for (auto r : {row{0, ""}, row{1000, "1970-01-01T00:00:01Z"},
                 row{1714564803250, "2024-05-01T12:00:03.250Z"},
                 row{1714564803000, "2024-05-01T12:00:03Z"},
                 row{951782400000, "2000-02-29T00:00:00Z"}})
    EXPECT_EQ(format_rfc3339(r.ms), r.want) << r.ms;
}

TEST(format_age, picks_the_coarsest_whole_unit) {
  struct row { int64_t ms; const char* want; };
  for (auto r : {row{-5000, "0s"}, row{999, "0s"}, row{59999, "59s"},
                 row{60000, "1m"}, row{125000, "2m"}, row{3600000, "1h"},
                 row{47 * 3600000LL, "47h"}, row{3 * 86400000LL, "3d"}})
    EXPECT_EQ(format_age(r.ms), r.want) << r.ms;
}

TEST(task_state_name, every_state_is_lower_case) {
  EXPECT_EQ(task_state_name(pb::NEW), "new");
  EXPECT_EQ(task_state_name(pb::PENDING), "pending");
  EXPECT_EQ(task_state_name(pb::RUNNING), "running");
  EXPECT_EQ(task_state_name(pb::REJECTED), "rejected");
  EXPECT_EQ(task_state_name(pb::ORPHANED), "orphaned");
}

pb::Task sample_task() {
  pb::Task t;
  t.set_id("demo_web.2.ab12");
  t.set_service("demo_web");
  t.set_slot(2);
  t.set_node("n1");
  t.set_desired_state(pb::RUNNING);
  t.set_state(pb::RUNNING);
  t.set_pid(4242);
  t.set_container_id("c-1");
  t.set_restarts(3);
  t.set_started_at(1714564803000);
  t.set_updated_at(1714564803000);
  t.set_exit_code(0);
  (*t.mutable_host_ports())["http"] = 20001;
  return t;
}

TEST(task_json, has_the_fields_scripts_rely_on) {
  auto j = task_json(sample_task());
  for (const char* key : {"id", "service", "slot", "node", "desired_state", "state",
                          "message", "pid", "container_id", "restarts", "started_at",
                          "host_ports", "exit_code"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["id"], "demo_web.2.ab12");
  EXPECT_EQ(j["slot"], 2);
  EXPECT_EQ(j["desired_state"], "running");
  EXPECT_EQ(j["state"], "running");
  EXPECT_EQ(j["pid"], 4242);
  EXPECT_EQ(j["restarts"], 3);
  EXPECT_EQ(j["started_at"], "2024-05-01T12:00:03Z");
  EXPECT_EQ(j["host_ports"], (nlohmann::json{{"http", 20001}}));
  EXPECT_EQ(j["exit_code"], 0);
}

TEST(task_json, a_pending_task_has_no_pid_no_start_and_empty_ports) {
  pb::Task t;
  t.set_id("demo_web.1.x");
  t.set_state(pb::PENDING);
  t.set_message("no suitable node");
  auto j = task_json(t);
  EXPECT_EQ(j["pid"], 0);
  EXPECT_EQ(j["started_at"], "");
  EXPECT_TRUE(j["host_ports"].is_object());
  EXPECT_TRUE(j["host_ports"].empty());
  EXPECT_EQ(j["message"], "no suitable node");
  EXPECT_EQ(j["node"], "");
}

TEST(task_row, shows_state_with_age_and_dashes_for_missing_values) {
  auto row = task_row(sample_task(), 1714564803000 + 125000);
  ASSERT_EQ(row.size(), task_headers().size());
  EXPECT_EQ(row[0], "demo_web.2.ab12");
  EXPECT_EQ(row[3], "running");
  EXPECT_EQ(row[4], "running 2m");
  EXPECT_EQ(row[5], "-") << "no health check";
  EXPECT_EQ(row[6], "4242");
  EXPECT_EQ(row[8], "http:20001");
  pb::Task pending;
  pending.set_state(pb::PENDING);
  auto empty = task_row(pending, 0);
  EXPECT_EQ(empty[2], "-");
  EXPECT_EQ(empty[4], "pending");
  EXPECT_EQ(empty[5], "-");
  EXPECT_EQ(empty[6], "-");
  pb::Task checked = sample_task();
  checked.set_health("unhealthy");
  EXPECT_EQ(task_row(checked, 0)[5], "unhealthy");
}

TEST(task_row, a_task_waiting_out_its_restart_delay_says_so) {
  pb::Task t = sample_task();
  t.set_pid(0);
  t.set_restart_at(1714564803000 + 4000);
  auto row = task_row(t, 1714564803000);
  EXPECT_EQ(row[4], "restarting in 4s");
  EXPECT_EQ(row[6], "-");
  EXPECT_EQ(task_row(t, 1714564803000 + 5000)[4], "restarting");
  t.set_state(pb::FAILED);  // gave up: the final state shows
  EXPECT_EQ(task_row(t, 1714564803000).at(4).rfind("failed", 0), 0u);
}

pb::ServiceSummary sample_service() {
  pb::ServiceSummary s;
  auto* spec = s.mutable_service()->mutable_spec();
  spec->set_name("demo_web");
  spec->set_stack("demo");
  spec->set_mode("replicated");
  spec->set_driver("process");
  spec->add_command("/bin/sh");
  spec->add_command("-c");
  spec->add_command("sleep 1000");
  s.mutable_service()->set_version(7);
  s.set_replicas_desired(3);
  s.set_replicas_running(2);
  s.set_tasks_updated(2);
  return s;
}

TEST(service_summary_json, has_the_fields_scripts_rely_on) {
  auto j = service_summary_json(sample_service());
  EXPECT_EQ(j["name"], "demo_web");
  EXPECT_EQ(j["stack"], "demo");
  EXPECT_EQ(j["mode"], "replicated");
  EXPECT_EQ(j["replicas_desired"], 3);
  EXPECT_EQ(j["replicas_running"], 2);
  EXPECT_EQ(j["driver"], "process");
  EXPECT_EQ(j["version"], 7);
}

TEST(service_inspect_json, adds_the_full_spec) {
  auto j = service_inspect_json(sample_service());
  EXPECT_EQ(j["name"], "demo_web");
  EXPECT_EQ(j["spec"]["command"], (nlohmann::json{"/bin/sh", "-c", "sleep 1000"}));
  EXPECT_EQ(j["spec"]["stack"], "demo");
}

TEST(service_inspect_json, times_are_rfc3339_and_numbers_are_numbers_everywhere) {
  auto summary = sample_service();
  auto* svc = summary.mutable_service();
  svc->set_spec_version(4);
  svc->mutable_spec()->set_stop_grace_period_ms(10000);
  svc->mutable_spec()->mutable_resources()->set_memory_bytes(64ll << 20);
  auto* u = svc->mutable_update_status();
  u->set_started_at(1764620000123);
  u->set_spec_version(4);
  auto j = service_inspect_json(summary);
  EXPECT_EQ(j["spec_version"], 4);
  EXPECT_EQ(j["update_status"]["started_at"], "2025-12-01T20:13:20.123Z") << j.dump();
  EXPECT_EQ(j["update_status"]["spec_version"], 4) << j.dump();
  EXPECT_EQ(j["spec"]["stop_grace_period_ms"], 10000) << j.dump();
  EXPECT_EQ(j["spec"]["resources"]["memory_bytes"], 64ll << 20) << j.dump();
  EXPECT_TRUE(j["spec"]["command"].is_array());
}

TEST(node_summary_json, drivers_are_a_list) {
  pb::NodeSummary s;
  s.mutable_node()->set_drivers("process,oci");
  EXPECT_EQ(node_summary_json(s)["drivers"], (nlohmann::json{"process", "oci"}));
  s.mutable_node()->set_drivers("");
  EXPECT_EQ(node_summary_json(s)["drivers"], nlohmann::json::array());
}

TEST(service_row, shows_running_over_desired_and_the_command) {
  auto row = service_row(sample_service());
  EXPECT_EQ(row, (table_row{"demo_web", "replicated", "2/3", "process",
                            "/bin/sh -c sleep 1000", "7"}));
}

TEST(service_program, cuts_long_commands) {
  pb::ServiceSpec spec;
  spec.add_command(std::string(50, 'a'));
  auto text = service_program(spec, 10);
  EXPECT_EQ(text, "aaaaaaa...");
  spec.set_image("busybox");
  spec.clear_command();
  EXPECT_EQ(service_program(spec), "busybox");
}

TEST(node_summary_json, has_the_fields_scripts_rely_on) {
  pb::NodeSummary s;
  auto* n = s.mutable_node();
  n->set_name("w1");
  n->set_role("worker");
  n->set_state("ready");
  n->set_availability("drain");
  n->set_address("127.0.0.2");
  (*n->mutable_labels())["zone"] = "a";
  n->set_cpus(1.5);
  n->set_memory_bytes(1 << 30);
  s.set_tasks(4);
  auto j = node_summary_json(s);
  EXPECT_EQ(j["name"], "w1");
  EXPECT_EQ(j["role"], "worker");
  EXPECT_EQ(j["state"], "ready");
  EXPECT_EQ(j["availability"], "drain");
  EXPECT_EQ(j["address"], "127.0.0.2");
  EXPECT_EQ(j["tasks"], 4);
  EXPECT_EQ(j["labels"], (nlohmann::json{{"zone", "a"}}));
  EXPECT_EQ(j["cpus"], 1.5);
  EXPECT_EQ(j["memory_bytes"], 1 << 30);
  EXPECT_EQ(node_row(s), (table_row{"w1", "worker", "ready", "drain", "127.0.0.2", "4"}));
}

TEST(stack_summary_json, has_name_services_and_created_at) {
  pb::StackSummary s;
  s.set_name("demo");
  s.set_services(2);
  s.set_created_at(1714564803000);
  auto j = stack_summary_json(s);
  EXPECT_EQ(j["name"], "demo");
  EXPECT_EQ(j["services"], 2);
  EXPECT_EQ(j["created_at"], "2024-05-01T12:00:03Z");
  EXPECT_EQ(stack_row(s, 1714564803000 + 7200000),
            (table_row{"demo", "2", "2h ago"}));
}

TEST(parse_output_format, accepts_table_and_json_only) {
  output_format f;
  EXPECT_TRUE(parse_output_format("json", &f));
  EXPECT_EQ(f, output_format::json);
  EXPECT_TRUE(parse_output_format("table", &f));
  EXPECT_EQ(f, output_format::table);
  EXPECT_FALSE(parse_output_format("yaml", &f));
}

} // namespace
} // namespace troupe::cli
