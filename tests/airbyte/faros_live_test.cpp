// SPDX-License-Identifier: Apache-2.0
// Live tests: flow-airbyte-shim around a real Airbyte CDK, Faros' TypeScript
// faros-airbyte-cdk (tests/airbyte/faros-source; `npm ci` there installs it). The source has
// a keyed incremental stream (users) and a keyless full-refresh one (events), emits LEGACY
// state (or STREAM state when WORKER_JOB_ID is set, as on the Airbyte platform), and can send
// a CONTROL config update. Run end to end through `flow-local preview`, and over pipes for
// spec/discover/validate and multi-session state.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "shim_driver.hpp"

namespace fs = std::filesystem;
using flow::airbyte::testing::run_shim;
using flow::airbyte::testing::ShimRun;
using flow::airbyte::testing::split_lines;
using nlohmann::json;

namespace {

const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

const std::string kSourceDir = std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/faros-source";
const std::vector<std::string> kChild = {"node", kSourceDir + "/source.js"};

class AirbyteFarosLive : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kSourceDir + "/node_modules/faros-airbyte-cdk")) {
      GTEST_SKIP() << "faros-airbyte-cdk is not installed: run `npm ci` in " << kSourceDir;
    }
  }
};

json config(int users, int events) {
  return {{"api_token", "t0-secret"}, {"user_count", users}, {"event_count", events}};
}

json bindings() {
  return json::parse(R"([
    {"resourceConfig":{"stream":"users","syncMode":"incremental","cursorField":["updated_at"]},
     "resourcePath":["users"],"stateKey":"users",
     "collection":{"name":"acmeCo/users","key":["/id"],"writeSchema":{"type":"object"}}},
    {"resourceConfig":{"stream":"events","syncMode":"full_refresh"},
     "resourcePath":["events"],"stateKey":"events",
     "collection":{"name":"acmeCo/events","key":["/_meta/row_id"],"writeSchema":{"type":"object"}}}])");
}

ShimRun open(const json& cfg, const json& state, std::map<std::string, std::string> env = {}) {
  return run_shim(
      {.child = kChild,
       .env = std::move(env),
       .requests =
           json{{"open",
                 {{"capture",
                   {{"name", "acmeCo/faros-test"}, {"config", cfg}, {"bindings", bindings()}}},
                  {"range", {{"keyEnd", 4294967295u}, {"rClockEnd", 4294967295u}}},
                  {"state", state}}}}
               .dump() +
           "\n",
       .session = true});
}

std::vector<std::string> documents(const ShimRun& run) {
  std::vector<std::string> docs;
  for (const auto& line : run.out_lines()) {
    auto message = json::parse(line);
    if (message.contains("captured")) {
      docs.push_back(std::to_string(message["captured"]["binding"].get<int>()) + " " +
                     message["captured"]["doc"].dump());
    }
  }
  return docs;
}

json reduce_state(json state, const ShimRun& run) {
  for (const auto& line : run.out_lines()) {
    auto message = json::parse(line);
    if (message.contains("checkpoint")) {
      state.merge_patch(message["checkpoint"]["state"]["updated"]);
    }
  }
  return state;
}

}  // namespace

TEST_F(AirbyteFarosLive, SpecAndDiscoverAreTranslated) {
  auto run = run_shim({.child = kChild,
                       .requests = R"({"spec":{"connectorType":"IMAGE","config":{}}})"
                                   "\n" +
                                   json{{"discover", {{"config", config(1, 1)}}}}.dump() + "\n"});
  ASSERT_TRUE(run.status.success()) << run.err;
  auto lines = run.out_lines();
  ASSERT_EQ(lines.size(), 2u);
  auto spec = json::parse(lines[0])["spec"];
  EXPECT_EQ(spec["protocol"], 3032023);
  EXPECT_EQ(spec["documentationUrl"], "https://example.com/docs/flow-airbyte-shim-test-source");
  const auto& token = spec["configSchema"]["properties"]["api_token"];
  EXPECT_EQ(token["secret"], true);
  EXPECT_FALSE(token.contains("airbyte_secret"));
  EXPECT_FALSE(spec["configSchema"]["properties"]["rotate_token"].contains("airbyte_hidden"));

  auto discovered = json::parse(lines[1])["discovered"]["bindings"];
  ASSERT_EQ(discovered.size(), 2u);
  EXPECT_EQ(discovered[0]["recommendedName"], "users");
  EXPECT_EQ(
      discovered[0]["resourceConfig"],
      json::parse(R"({"stream":"users","syncMode":"incremental","cursorField":["updated_at"]})"));
  EXPECT_EQ(discovered[0]["key"], json::parse(R"(["/id"])"));
  EXPECT_EQ(discovered[1]["resourceConfig"],
            json::parse(R"({"stream":"events","syncMode":"full_refresh"})"));
  EXPECT_EQ(discovered[1]["key"], json::parse(R"(["/_meta/row_id"])"));
  EXPECT_EQ(discovered[1]["isFallbackKey"], true);
}

TEST_F(AirbyteFarosLive, ValidateReportsTheCheckFailure) {
  json bad = config(1, 1);
  bad["api_token"] = "invalid";
  auto run = run_shim(
      {.child = kChild,
       .requests =
           json{{"validate", {{"name", "a/b"}, {"config", bad}, {"bindings", json::array()}}}}
               .dump() +
           "\n"});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.last_log_message(), "api_token is invalid");
}

TEST_F(AirbyteFarosLive, IncrementalStateCarriesAcrossSessions) {
  auto first = open(config(3, 2), json::object());
  ASSERT_TRUE(first.status.success()) << first.err;
  EXPECT_EQ(
      documents(first),
      (std::vector<std::string>{
          R"(0 {"_meta":{"op":"u"},"id":1,"name":"user 1","updated_at":"2024-01-01T00:01:00.000Z"})",
          R"(0 {"_meta":{"op":"u"},"id":2,"name":"user 2","updated_at":"2024-01-01T00:02:00.000Z"})",
          R"(0 {"_meta":{"op":"u"},"id":3,"name":"user 3","updated_at":"2024-01-01T00:03:00.000Z"})",
          R"(1 {"_meta":{"op":"u","row_id":0},"at":"2024-01-01T00:00:00.000Z","kind":"click"})",
          R"(1 {"_meta":{"op":"u","row_id":1},"at":"2024-01-01T00:01:00.000Z","kind":"view"})"}));
  const json state = reduce_state(json::object(), first);
  EXPECT_EQ(state["airbyteStateType"], "LEGACY");  // the CDK's CLI mode
  EXPECT_EQ(state["airbyteLegacy"]["format"], "base64/gzip");

  // The second session resumes users after id 3; events are a fresh sweep from row 0.
  auto second = open(config(5, 1), state);
  ASSERT_TRUE(second.status.success()) << second.err;
  EXPECT_EQ(
      documents(second),
      (std::vector<std::string>{
          R"(0 {"_meta":{"op":"u"},"id":4,"name":"user 4","updated_at":"2024-01-01T00:04:00.000Z"})",
          R"(0 {"_meta":{"op":"u"},"id":5,"name":"user 5","updated_at":"2024-01-01T00:05:00.000Z"})",
          R"(1 {"_meta":{"op":"u","row_id":0},"at":"2024-01-01T00:00:00.000Z","kind":"click"})"}));
  EXPECT_EQ(second.err.find("t0-secret"), std::string::npos) << "a secret reached the log";
}

TEST_F(AirbyteFarosLive, StreamStateOnThePlatformIsPerBinding) {
  // With WORKER_JOB_ID the CDK emits compressed per-stream STATE messages, plus states of
  // its own pseudo-streams, which are not bound and so are ignored with a warning.
  std::map<std::string, std::string> env = {{"WORKER_JOB_ID", "1"}};
  auto first = open(config(2, 1), json::object(), env);
  ASSERT_TRUE(first.status.success()) << first.err;
  const json state = reduce_state(json::object(), first);
  EXPECT_EQ(state["airbyteStateType"], "STREAM");
  ASSERT_TRUE(state["bindingStateV1"].contains("users")) << state.dump();
  EXPECT_EQ(state["bindingStateV1"]["users"]["stream"]["stream_state"]["format"], "base64/gzip");

  auto second = open(config(3, 0), state, env);
  ASSERT_TRUE(second.status.success()) << second.err;
  EXPECT_EQ(
      documents(second),
      (std::vector<std::string>{
          R"(0 {"__faros_data":{"id":3,"name":"user 3","updated_at":"2024-01-01T00:03:00.000Z"},"_meta":{"op":"u"},"id":3,"name":"user 3","updated_at":"2024-01-01T00:03:00.000Z"})"}));
  // (On the platform the CDK adds `__faros_data` to its records; it is the source's data.)
}

TEST_F(AirbyteFarosLive, ControlMessageUpdatesTheConfigWithoutLeakingIt) {
  json cfg = config(1, 0);
  cfg["rotate_token"] = true;
  auto run = open(cfg, json::object());
  ASSERT_TRUE(run.status.success()) << run.err;
  EXPECT_EQ(documents(run).size(), 1u);
  bool warned = false;
  for (const auto& log : run.logs()) {
    if (log["message"].get<std::string>().find("updated its config") != std::string::npos) {
      warned = true;
      EXPECT_EQ(log["fields"]["config"]["api_token"], "REDACTED");
      EXPECT_EQ(log["fields"]["config"]["rotate_token"], false);
    }
  }
  EXPECT_TRUE(warned) << run.err;
  EXPECT_EQ(run.err.find("t0-secret"), std::string::npos) << "a secret reached the log";
}

TEST_F(AirbyteFarosLive, InvalidControlConfigFailsTheCapture) {
  json cfg = config(1, 0);
  cfg["bad_control"] = true;
  auto run = open(cfg, json::object());
  EXPECT_EQ(run.status.code, 1);
  EXPECT_TRUE(documents(run).empty());
  EXPECT_EQ(run.last_log_message().rfind(
                "the Airbyte source sent a CONTROL config update that does not match its own "
                "spec (not applied): [user_count]",
                0),
            0u)
      << run.last_log_message();
}

TEST_F(AirbyteFarosLive, ASourceErrorFailsTheCaptureWithItsMessage) {
  json cfg = config(3, 0);
  cfg["fail_after"] = 1;
  auto run = open(cfg, json::object());
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.last_log_message(),
            "airbyte read failed (exit code 1): the users API failed after 1 users: VError");
}

#ifdef FLOW_LOCAL_BIN
TEST_F(AirbyteFarosLive, PreviewThroughFlowLocal) {
  const std::string bin_dir = fs::path(FLOW_AIRBYTE_SHIM_BIN).parent_path().string();
  auto preview = flow::process::ChildProcess::spawn(
      {.argv = {FLOW_LOCAL_BIN, "preview", "--source", kSourceDir + "/test.flow.yaml", "--timeout",
                "60s"},
       .env = {{"PATH", bin_dir + ":" + std::getenv("PATH")}},
       .pipe_stdin = false});
  std::string out;
  std::string err;
  std::thread err_reader([&] {
    char buffer[4096];
    for (ssize_t n; (n = ::read(preview.stderr_fd(), buffer, sizeof buffer)) > 0;) {
      err.append(buffer, static_cast<std::size_t>(n));
    }
  });
  char buffer[4096];
  for (ssize_t n; (n = ::read(preview.stdout_fd(), buffer, sizeof buffer)) > 0;) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  auto status = preview.wait();
  err_reader.join();
  ASSERT_TRUE(status.success()) << status.describe() << "\n" << err;
  std::vector<std::string> docs;
  for (const auto& line : split_lines(out)) {
    auto pair = json::parse(line);
    ASSERT_TRUE(pair.is_array()) << line;
    pair[1]["_meta"].erase("uuid");  // the runtime's, not ours
    docs.push_back(pair[0].get<std::string>() + " " + pair[1].dump());
  }
  EXPECT_EQ(
      docs,
      (std::vector<std::string>{
          R"(acmeCo/users {"_meta":{"op":"u"},"id":1,"name":"user 1","updated_at":"2024-01-01T00:01:00.000Z"})",
          R"(acmeCo/users {"_meta":{"op":"u"},"id":2,"name":"user 2","updated_at":"2024-01-01T00:02:00.000Z"})",
          R"(acmeCo/users {"_meta":{"op":"u"},"id":3,"name":"user 3","updated_at":"2024-01-01T00:03:00.000Z"})",
          R"(acmeCo/events {"_meta":{"op":"u","row_id":0},"at":"2024-01-01T00:00:00.000Z","kind":"click"})",
          R"(acmeCo/events {"_meta":{"op":"u","row_id":1},"at":"2024-01-01T00:01:00.000Z","kind":"view"})"}))
      << out << err;
}
#endif

#ifdef FLOW_AIRBYTE_WRAPPER_BIN
TEST_F(AirbyteFarosLive, ExampleWrapperAppliesItsOverrides) {
  // examples/source-airbyte-wrapper: CaptureShim configured in code around the same source.
  auto shim = flow::process::ChildProcess::spawn({.argv = {FLOW_AIRBYTE_WRAPPER_BIN}});
  const std::string requests = R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                               "\n" +
                               json{{"discover", {{"config", config(1, 1)}}}}.dump() + "\n";
  ASSERT_EQ(::write(shim.stdin_fd(), requests.data(), requests.size()),
            static_cast<ssize_t>(requests.size()));
  shim.close_stdin();
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(shim.stdout_fd(), buffer, sizeof buffer)) > 0;) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ASSERT_TRUE(shim.wait().success());
  auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(json::parse(lines[0])["spec"]["documentationUrl"],
            "https://go.estuary.dev/source-airbyte-wrapper");
  auto bindings = json::parse(lines[1])["discovered"]["bindings"];
  ASSERT_EQ(bindings.size(), 2u);
  EXPECT_EQ(bindings[1]["recommendedName"], "events");
  EXPECT_EQ(bindings[1]["key"], json::parse(R"(["/kind","/at"])"));
  EXPECT_FALSE(bindings[1].contains("isFallbackKey"));
}
#endif
