// SPDX-License-Identifier: Apache-2.0
// flow-airbyte-shim end to end, as a real process over pipes, with a child that replays the
// recorded stdout of a real Airbyte Python-CDK source (../shared/fixtures/airbyte). Expected
// Flow output is in golden/ (FLOW_UPDATE_GOLDEN=1 rewrites it); failure cases assert the
// exact output, the final error line and the exit code.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <flow/process/temp_dir.hpp>

#include "shim_driver.hpp"

namespace fs = std::filesystem;
using flow::airbyte::testing::read_file;
using flow::airbyte::testing::run_shim;
using flow::airbyte::testing::ShimOptions;
using flow::airbyte::testing::ShimRun;
using flow::airbyte::testing::split_lines;
using nlohmann::json;

namespace {

const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

const std::string kFixtures = std::string(FLOW_SHARED_DIR) + "/fixtures/airbyte/source-git-file/";
const std::string kFake = std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/fake_airbyte.py";
const std::string kGolden = std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/golden/";
const json kConfig = json::parse(R"({"repoUrl":"file:///repo","branch":"main","depth":"10"})");

std::string fixture(const std::string& name) {
  return kFixtures + name + ".stdout.jsonl";
}

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = kGolden + name + ".jsonl";
  if (std::getenv("FLOW_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    return;
  }
  EXPECT_EQ(actual, read_file(path))
      << "golden file " << path << " (FLOW_UPDATE_GOLDEN=1 rewrites it)";
}

json binding(const std::string& sync_mode, const json& state_key = "FileRevisions") {
  json rc = {{"stream", "FileRevisions"}, {"syncMode", sync_mode}};
  if (sync_mode == "incremental") {
    rc["cursorField"] = {"date"};
  }
  return {{"resourceConfig", rc},
          {"resourcePath", {"FileRevisions"}},
          {"collection",
           {{"name", "acmeCo/FileRevisions"},
            {"key", {"/hash", "/fileName", "/operation"}},
            {"writeSchema", {{"type", "object"}}}}},
          {"stateKey", state_key}};
}

std::string open_request(const json& bindings,
                         const json& state = json::object(),
                         const json& config = kConfig) {
  return json{{"open",
               {{"capture",
                 {{"name", "acmeCo/git"},
                  {"connectorType", "IMAGE"},
                  {"config", config},
                  {"bindings", bindings}}},
                {"version", "1"},
                {"range", {{"keyEnd", 4294967295u}, {"rClockEnd", 4294967295u}}},
                {"state", state}}}}
             .dump() +
         "\n";
}

ShimRun run_read(const std::map<std::string, std::string>& env,
                 const std::string& requests,
                 std::vector<std::string> shim_args = {}) {
  return run_shim({.shim_args = std::move(shim_args),
                   .child = {"python3", kFake},
                   .env = env,
                   .requests = requests,
                   .session = true});
}

// The Flow state after applying every checkpoint of `out` to `state`.
json reduce_state(json state, const std::string& out) {
  for (const auto& line : split_lines(out)) {
    auto message = json::parse(line);
    if (message.contains("checkpoint")) {
      state.merge_patch(message["checkpoint"]["state"]["updated"]);
    }
  }
  return state;
}

std::vector<json> runs(const std::string& dir) {
  std::vector<json> out;
  for (const auto& line : split_lines(read_file(dir + "/runs.jsonl"))) {
    out.push_back(json::parse(line));
  }
  return out;
}

}  // namespace

TEST(AirbyteShimReplay, Spec) {
  auto run = run_shim({.child = {"python3", kFake},
                       .env = {{"FAKE_SPEC", fixture("spec")}},
                       .requests = R"({"spec":{"connectorType":"IMAGE","config":{}}})"
                                   "\n"});
  EXPECT_TRUE(run.status.success()) << run.err;
  expect_golden("spec", run.out);
}

TEST(AirbyteShimReplay, SpecWithOverrides) {
  flow::process::TempDir dir("airbyte-test");
  auto oauth2 = dir.write_file("oauth2.json", R"({"provider":"git","authUrlTemplate":"https://a",
      "accessTokenUrlTemplate":"https://t","accessTokenResponseMap":{"access_token":"/access_token"}})");
  auto run = run_shim(
      {.shim_args = {"--documentation-url", "https://go.estuary.dev/git", "--oauth2-file", oauth2},
       .child = {"python3", kFake},
       .env = {{"FAKE_SPEC", fixture("spec")}},
       .requests = R"({"spec":{"connectorType":"IMAGE","config":{}}})"
                   "\n"});
  ASSERT_TRUE(run.status.success()) << run.err;
  auto spec = json::parse(run.out)["spec"];
  EXPECT_EQ(spec["documentationUrl"], "https://go.estuary.dev/git");
  EXPECT_EQ(spec["oauth2"]["provider"], "git");
}

TEST(AirbyteShimReplay, Discover) {
  flow::process::TempDir record("airbyte-test");
  auto run = run_shim(
      {.child = {"python3", kFake},
       .env = {{"FAKE_DISCOVER", fixture("discover")}, {"FAKE_RECORD_DIR", record.path()}},
       .requests =
           json{{"discover", {{"connectorType", "IMAGE"}, {"config", kConfig}}}}.dump() + "\n"});
  EXPECT_TRUE(run.status.success()) << run.err;
  expect_golden("discover", run.out);
  auto seen = runs(record.path());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["command"], "discover");
  EXPECT_EQ(seen[0]["config"]["contents"], kConfig);
  EXPECT_EQ(seen[0]["config"]["mode"], "0o600");
  EXPECT_EQ(seen[0]["config"]["dir_mode"], "0o700");
  EXPECT_FALSE(fs::exists(seen[0]["config"]["path"].get<std::string>()))
      << "the config file must be removed";
}

TEST(AirbyteShimReplay, ValidateChecksAndResolvesBindings) {
  auto request = [](const json& bindings) {
    return json{{"validate",
                 {{"name", "acmeCo/git"},
                  {"connectorType", "IMAGE"},
                  {"config", kConfig},
                  {"bindings", bindings}}}}
               .dump() +
           "\n";
  };
  std::map<std::string, std::string> env = {{"FAKE_CHECK", fixture("check")},
                                            {"FAKE_DISCOVER", fixture("discover")}};
  auto run = run_shim({.child = {"python3", kFake},
                       .env = env,
                       .requests = request(json::array({binding("incremental")}))});
  ASSERT_TRUE(run.status.success()) << run.err;
  EXPECT_EQ(run.out, R"({"validated":{"bindings":[{"resourcePath":["FileRevisions"]}]}})"
                     "\n");

  // A binding the source does not have, and an unsupported sync mode.
  json unknown = binding("full_refresh");
  unknown["resourceConfig"]["stream"] = "Nope";
  json bad_mode = binding("full_refresh");
  bad_mode["resourceConfig"]["syncMode"] = "cdc";
  run = run_shim(
      {.child = {"python3", kFake}, .env = env, .requests = request(json::array({unknown}))});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.last_log_message(), "Resource 'Nope' was not found.");
  run = run_shim(
      {.child = {"python3", kFake}, .env = env, .requests = request(json::array({bad_mode}))});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.last_log_message(),
            "resource config of stream 'FileRevisions': syncMode 'cdc' is neither full_refresh "
            "nor incremental");
}

TEST(AirbyteShimReplay, ValidateFailsWithTheCheckMessage) {
  auto run = run_shim(
      {.child = {"python3", kFake},
       .env = {{"FAKE_CHECK", fixture("check-invalid-config")}},
       .requests = json{{"validate", {{"name", "a/b"}, {"config", kConfig}}}}.dump() + "\n"});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.last_log_message(), "Config validation error: 'depth' is a required property");
}

TEST(AirbyteShimReplay, ReadFullRefresh) {
  flow::process::TempDir record("airbyte-test");
  auto run = run_read({{"FAKE_READ", fixture("read-full")}, {"FAKE_RECORD_DIR", record.path()}},
                      open_request(json::array({binding("full_refresh")})));
  EXPECT_TRUE(run.status.success()) << run.err;
  expect_golden("read-full", run.out);
  auto seen = runs(record.path());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["catalog"]["contents"],
            json::parse(R"({"streams":[{"stream":{"name":"FileRevisions",
      "json_schema":{"type":"object"},"supported_sync_modes":["full_refresh"]},"sync_mode":"full_refresh",
      "primary_key":[["hash"],["fileName"],["operation"]],"destination_sync_mode":"append",
      "generation_id":0,"minimum_generation_id":0,"sync_id":0}]})"));
  EXPECT_FALSE(seen[0].contains("state"));
  EXPECT_FALSE(fs::exists(fs::path(seen[0]["catalog"]["path"].get<std::string>()).parent_path()));
}

TEST(AirbyteShimReplay, ReadIncrementalThenResumeFromLegacyState) {
  flow::process::TempDir record("airbyte-test");
  auto first =
      run_read({{"FAKE_READ", fixture("read-incremental")}, {"FAKE_RECORD_DIR", record.path()}},
               open_request(json::array({binding("incremental")})));
  ASSERT_TRUE(first.status.success()) << first.err;
  expect_golden("read-incremental", first.out);
  const json state = reduce_state(json::object(), first.out);
  EXPECT_EQ(state, json::parse(R"({"airbyteStateType":"LEGACY",
      "airbyteLegacy":{"lastHash":"5b60cc1e2208f54f03ac9b211f6289f55e37172e"}})"));

  // The next session hands the LEGACY blob back as --state, as the source expects.
  auto second = run_read(
      {{"FAKE_READ", fixture("read-incremental-legacy-state")}, {"FAKE_RECORD_DIR", record.path()}},
      open_request(json::array({binding("incremental")}), state));
  ASSERT_TRUE(second.status.success()) << second.err;
  expect_golden("read-incremental-legacy-state", second.out);
  auto seen = runs(record.path());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1]["state"]["contents"],
            json::parse(R"({"lastHash":"5b60cc1e2208f54f03ac9b211f6289f55e37172e"})"));
  EXPECT_EQ(seen[1]["state"]["mode"], "0o600");
}

TEST(AirbyteShimReplay, ReadWithAConfigErrorFailsWithTheTraceMessage) {
  auto run = run_read({{"FAKE_READ", fixture("read-invalid-config")}, {"FAKE_EXIT", "1"}},
                      open_request(json::array({binding("full_refresh")})));
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out, R"({"opened":{}})"
                     "\n");
  EXPECT_EQ(run.last_log_message(),
            "airbyte read failed (exit code 1): configuration error: Config validation error: "
            "'depth' is a required property");
  // The LOG FATAL line came through as an error log with the source's message.
  bool fatal_logged = false;
  for (const auto& log : run.logs()) {
    fatal_logged = fatal_logged || (log.value("level", "") == "error" &&
                                    log.value("fields", json::object()).value("fatal", false));
  }
  EXPECT_TRUE(fatal_logged) << run.err;
}

TEST(AirbyteShimReplay, ReadWithASystemErrorNamesTheInternalMessage) {
  auto run = run_read({{"FAKE_READ", fixture("read-bad-repo")}, {"FAKE_EXIT", "1"}},
                      open_request(json::array({binding("full_refresh")})));
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out, R"({"opened":{}})"
                     "\n");
  EXPECT_EQ(run.last_log_message().rfind(
                "airbyte read failed (exit code 1): Something went wrong in the connector. See "
                "the logs for more details.: Cmd('git') failed due to: exit code(128)",
                0),
            0u)
      << run.last_log_message();
}

TEST(AirbyteShimReplay, ASplitCaptureIsRejected) {
  std::string request = open_request(json::array({binding("full_refresh")}));
  request.replace(request.find(R"("keyEnd":4294967295)"), 19, R"("keyEnd":2147483647)");
  auto run = run_read({{"FAKE_READ", fixture("read-full")}}, request);
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out, R"({"opened":{}})"
                     "\n");
  EXPECT_EQ(run.last_log_message(),
            "this capture is split into several shards, but an Airbyte source cannot divide its "
            "work: run it as a single shard");
}

TEST(AirbyteShimReplay, GlobalStateRoundTrips) {
  const std::string transcript =
      std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/transcripts/global-state.jsonl";
  flow::process::TempDir record("airbyte-test");
  auto first = run_read({{"FAKE_READ", transcript}, {"FAKE_RECORD_DIR", record.path()}},
                        open_request(json::array({binding("incremental")})));
  ASSERT_TRUE(first.status.success()) << first.err;
  const json state = reduce_state(json::object(), first.out);
  EXPECT_EQ(state,
            json::parse(R"({"airbyteStateType":"GLOBAL","airbyteGlobal":{"shared_state":{"lsn":7}},
      "bindingStateV1":{"FileRevisions":{"stream":{"stream_descriptor":{"name":"FileRevisions"},
                                                   "stream_state":{"cursor":"a"}}}}})"));
  auto second = run_read({{"FAKE_READ", transcript}, {"FAKE_RECORD_DIR", record.path()}},
                         open_request(json::array({binding("incremental")}), state));
  ASSERT_TRUE(second.status.success()) << second.err;
  auto seen = runs(record.path());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1]["state"]["contents"], json::parse(R"([{"type":"GLOBAL","global":{
      "shared_state":{"lsn":7},
      "stream_states":[{"stream_descriptor":{"name":"FileRevisions"},"stream_state":{"cursor":"a"}}]}}])"));
  // Unchanged state: the second checkpoint carries an empty patch.
  EXPECT_EQ(second.out_lines()[2], R"({"checkpoint":{"state":{"updated":{},"mergePatch":true}}})");
}
