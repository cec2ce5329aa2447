// SPDX-License-Identifier: Apache-2.0
// flow-airbyte-shim failure cases and session behaviour, as a real process over pipes with a
// replaying child: a child that crashes mid-stream, hangs, writes garbage, or sends a 100 MB
// record; CONTROL config updates (invalid, valid with and without an encryption service);
// continuous mode; SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <flow/process/temp_dir.hpp>
#include <thread>

#include "shim_driver.hpp"

namespace fs = std::filesystem;
using flow::airbyte::testing::read_file;
using flow::airbyte::testing::run_shim;
using flow::airbyte::testing::ShimRun;
using flow::airbyte::testing::split_lines;
using nlohmann::json;

namespace {

const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

const std::string kFake = std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/fake_airbyte.py";
const std::string kTranscripts = std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/transcripts/";
const std::string kSpec =
    std::string(FLOW_SHARED_DIR) + "/fixtures/airbyte/source-git-file/spec.stdout.jsonl";
const json kConfig =
    json::parse(R"({"repoUrl":"file:///repo","branch":"main","depth":"10","token":"s3cr3t-old"})");

std::string open_request() {
  json binding = {{"resourceConfig", {{"stream", "FileRevisions"}, {"syncMode", "full_refresh"}}},
                  {"resourcePath", {"FileRevisions"}},
                  {"collection",
                   {{"name", "acmeCo/FileRevisions"},
                    {"key", {"/hash", "/fileName", "/operation"}},
                    {"writeSchema", {{"type", "object"}}}}},
                  {"stateKey", "FileRevisions"}};
  return json{{"open",
               {{"capture", {{"name", "acmeCo/git"}, {"config", kConfig}, {"bindings", {binding}}}},
                {"range", {{"keyEnd", 4294967295u}, {"rClockEnd", 4294967295u}}},
                {"state", json::object()}}}}
             .dump() +
         "\n";
}

ShimRun run_read(std::map<std::string, std::string> env, std::vector<std::string> args = {}) {
  if (!env.count("FAKE_SPEC")) {
    env["FAKE_SPEC"] = kSpec;
  }
  return run_shim({.shim_args = std::move(args),
                   .child = {"python3", kFake},
                   .env = std::move(env),
                   .requests = open_request(),
                   .session = true});
}

std::string doc(const std::string& hash) {
  return R"({"captured":{"binding":0,"doc":{"hash":")" + hash +
         R"(","fileName":"f","operation":"add","_meta":{"op":"u"}}}})";
}

const std::string kStateA =
    R"({"checkpoint":{"state":{"updated":{"airbyteStateType":"STREAM","bindingStateV1":{"FileRevisions":{"stream":{"stream_descriptor":{"name":"FileRevisions"},"stream_state":{"cursor":"a"}}}}},"mergePatch":true}}})";
const std::string kStateB =
    R"({"checkpoint":{"state":{"updated":{"airbyteStateType":"STREAM","bindingStateV1":{"FileRevisions":{"stream":{"stream_descriptor":{"name":"FileRevisions"},"stream_state":{"cursor":"b"}}}}},"mergePatch":true}}})";
const std::string kFinal = R"({"checkpoint":{"state":{"updated":{},"mergePatch":true}}})";

}  // namespace

TEST(AirbyteShimFailure, ChildCrashMidStreamLeavesLaterDocumentsUncheckpointed) {
  auto run = run_read({{"FAKE_READ", kTranscripts + "crash-mid-stream.jsonl"}, {"FAKE_EXIT", "3"}});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out_lines(),
            (std::vector<std::string>{R"({"opened":{}})", doc("a"), doc("b"), kStateB}));
  // Document "c" came after the last STATE: it never reaches a checkpoint (the SDK drops
  // documents it buffered after the last checkpoint when the capture fails).
  EXPECT_EQ(run.last_log_message(), "airbyte read failed (exit code 3): connection reset by peer");
}

TEST(AirbyteShimFailure, ChildKilledBySignal) {
  auto run =
      run_read({{"FAKE_READ", kTranscripts + "crash-mid-stream.jsonl"}, {"FAKE_MODE", "sigkill"}});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out_lines(),
            (std::vector<std::string>{R"({"opened":{}})", doc("a"), doc("b"), kStateB}));
  EXPECT_EQ(run.last_log_message(),
            "airbyte read failed (killed by signal 9 (SIGKILL)): connection reset by peer");
}

TEST(AirbyteShimFailure, HangingChildIsKilledByTheIdleWatchdog) {
  const auto started = std::chrono::steady_clock::now();
  auto run =
      run_read({{"FAKE_READ", kTranscripts + "crash-mid-stream.jsonl"}, {"FAKE_MODE", "hang"}},
               {"--idle-timeout", "1s", "--stop-grace", "1s"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.out_lines(),
            (std::vector<std::string>{R"({"opened":{}})", doc("a"), doc("b"), kStateB}));
  EXPECT_NE(run.last_log_message().find("produced no output for 1s"), std::string::npos)
      << run.last_log_message();
}

TEST(AirbyteShimFailure, GarbageIsLoggedAndSkipped) {
  auto run = run_read({{"FAKE_READ", kTranscripts + "garbage.jsonl"}});
  EXPECT_TRUE(run.status.success()) << run.err;
  EXPECT_EQ(run.out_lines(),
            (std::vector<std::string>{R"({"opened":{}})", doc("a"), kStateA, kFinal}));
  std::vector<std::string> warnings;
  bool rate_limited_status = false;
  for (const auto& log : run.logs()) {
    if (log["level"] == "warn") {
      warnings.push_back(log["message"].get<std::string>().substr(0, 50));
    }
    rate_limited_status =
        rate_limited_status ||
        (log.value("fields", json::object()).value("eventType", "") == "connectorStatus" &&
         log["message"].get<std::string>().find("rate limited") != std::string::npos);
  }
  EXPECT_EQ(warnings,
            (std::vector<std::string>{"ignoring a line of the child's stdout that is not ",
                                      "ignoring an Airbyte message of unknown type ''",
                                      "skipping records of a stream that is not bound",
                                      "ignoring a malformed RECORD (it needs a string `st",
                                      "ignoring a line of the child's stdout that is not ",
                                      "ignoring an unexpected CATALOG message during read"}));
  EXPECT_TRUE(rate_limited_status) << run.err;
}

TEST(AirbyteShimFailure, HundredMegabyteRecordPassesThrough) {
  constexpr std::size_t kBytes = 100u << 20;
  auto run = run_read({{"FAKE_MODE", "huge"}, {"FAKE_HUGE_BYTES", std::to_string(kBytes)}});
  ASSERT_TRUE(run.status.success()) << run.err.substr(0, 2000);
  auto lines = run.out_lines();
  ASSERT_EQ(lines.size(), 4u);
  const std::string prefix = R"({"captured":{"binding":0,"doc":{"id":1,"blob":")";
  const std::string suffix = R"(","_meta":{"op":"u"}}}})";
  ASSERT_EQ(lines[1].size(), prefix.size() + kBytes + suffix.size());
  EXPECT_EQ(lines[1].substr(0, prefix.size()), prefix);
  EXPECT_EQ(lines[1].substr(lines[1].size() - suffix.size()), suffix);
  EXPECT_EQ(lines[1].find_first_not_of('x', prefix.size()), prefix.size() + kBytes);
  EXPECT_EQ(lines[3], kFinal);
}

TEST(AirbyteShimFailure, InvalidControlConfigIsAnErrorAndNotSaved) {
  auto run = run_read({{"FAKE_READ", kTranscripts + "control-invalid.jsonl"},
                       {"FAKE_SPEC", kTranscripts + "spec-with-secret.jsonl"}});
  EXPECT_EQ(run.status.code, 1);
  // Document "b" came before the invalid CONTROL, after the last STATE: never checkpointed.
  EXPECT_EQ(run.out_lines(), (std::vector<std::string>{R"({"opened":{}})", doc("a"), kStateA}));
  EXPECT_EQ(run.last_log_message(),
            "the Airbyte source sent a CONTROL config update that does not match its own spec "
            "(not applied): [depth]: Value type not permitted by 'type' constraint.; <root>: "
            "Failed to validate against schema associated with property name 'depth'.");
  EXPECT_EQ(run.err.find("s3cr3t"), std::string::npos) << "a secret reached the log";
  for (const auto& log : run.logs()) {
    EXPECT_NE(log.value("fields", json::object()).value("eventType", ""), "configUpdate");
  }
}

TEST(AirbyteShimFailure, ControlConfigWithoutEncryptorIsRedactedAndWarned) {
  auto run = run_read({{"FAKE_READ", kTranscripts + "control-valid.jsonl"},
                       {"FAKE_SPEC", kTranscripts + "spec-with-secret.jsonl"}});
  ASSERT_TRUE(run.status.success()) << run.err;
  EXPECT_EQ(run.out_lines(),
            (std::vector<std::string>{R"({"opened":{}})", doc("a"), kStateA, kFinal}));
  EXPECT_EQ(run.err.find("s3cr3t"), std::string::npos) << "a secret reached the log";
  bool warned = false;
  for (const auto& log : run.logs()) {
    if (log["message"].get<std::string>().find("no config encryptor") != std::string::npos) {
      warned = true;
      EXPECT_EQ(log["fields"]["config"]["token"], "REDACTED");
      EXPECT_EQ(log["fields"]["config"]["depth"], "10");
    }
  }
  EXPECT_TRUE(warned) << run.err;
}

namespace {

/// The stand-in config-encryption service (encryption_server.py) on 127.0.0.1.
class EncryptionServer {
 public:
  EncryptionServer() : dir_("airbyte-enc") {
    port_file_ = dir_.path() + "/port";
    requests_file_ = dir_.path() + "/requests.jsonl";
    server_ = std::make_unique<flow::process::ChildProcess>(flow::process::ChildProcess::spawn(
        {.argv = {"python3", std::string(FLOW_SOURCE_DIR) + "/tests/airbyte/encryption_server.py",
                  port_file_, requests_file_},
         .pipe_stdin = false}));
    for (int i = 0; i < 200 && !fs::exists(port_file_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    url_ = "http://127.0.0.1:" + read_file(port_file_) + "/v1/encrypt-config";
  }
  ~EncryptionServer() { server_->terminate(std::chrono::seconds(2)); }
  EncryptionServer(const EncryptionServer&) = delete;
  EncryptionServer& operator=(const EncryptionServer&) = delete;
  EncryptionServer(EncryptionServer&&) = delete;
  EncryptionServer& operator=(EncryptionServer&&) = delete;

  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] std::vector<json> requests() const {
    std::vector<json> out;
    for (const auto& line : split_lines(read_file(requests_file_))) {
      out.push_back(json::parse(line));
    }
    return out;
  }

 private:
  flow::process::TempDir dir_;
  std::string port_file_;
  std::string requests_file_;
  std::string url_;
  std::unique_ptr<flow::process::ChildProcess> server_;
};

}  // namespace

TEST(AirbyteShimFailure, ControlConfigIsSealedAndUsedForLaterSweeps) {
  EncryptionServer server;
  flow::process::TempDir record("airbyte-test");
  int final_checkpoints = 0;
  auto run =
      run_shim({.shim_args = {"--config-encryption-url", server.url(), "--interval", "100ms"},
                .child = {"python3", kFake},
                .env = {{"FAKE_READ", kTranscripts + "control-valid.jsonl"},
                        {"FAKE_SPEC", kTranscripts + "spec-with-secret.jsonl"},
                        {"FAKE_RECORD_DIR", record.path()}},
                .requests = open_request(),
                .session = true,
                .on_line = [&](const std::string& line, flow::process::ChildProcess& shim) {
                  // Continuous mode: end the session (stdin EOF) after two sweeps.
                  if (line == kFinal && ++final_checkpoints == 2) {
                    shim.close_stdin();
                  }
                }});
  ASSERT_TRUE(run.status.success()) << run.err;
  EXPECT_EQ(final_checkpoints, 2);
  EXPECT_EQ(run.err.find("s3cr3t"), std::string::npos) << "a secret reached the log";

  // Each sweep's CONTROL asked Flow to persist the sealed config.
  int updates = 0;
  for (const auto& log : run.logs()) {
    const auto fields = log.value("fields", json::object());
    if (fields.value("eventType", "") == "configUpdate") {
      ++updates;
      EXPECT_EQ(fields["config"]["token_sops"], "sealed:detator-t3rc3s");
      EXPECT_EQ(fields["config"]["depth"], "10");
    }
  }
  EXPECT_EQ(updates, 2);
  auto posted = server.requests();
  ASSERT_EQ(posted.size(), 2u);
  EXPECT_EQ(posted[0]["config"]["token"], "s3cr3t-rotated");
  EXPECT_EQ(posted[0]["schema"]["properties"]["token"]["secret"], true);

  // The second read ran with the updated config.
  auto runs = split_lines(read_file(record.path() + "/runs.jsonl"));
  std::vector<json> reads;
  for (const auto& line : runs) {
    auto parsed = json::parse(line);
    if (parsed["command"] == "read") {
      reads.push_back(parsed);
    }
  }
  ASSERT_GE(reads.size(), 2u);
  EXPECT_EQ(reads[0]["config"]["contents"]["token"], "s3cr3t-old");
  EXPECT_EQ(reads[1]["config"]["contents"]["token"], "s3cr3t-rotated");
  // …and with the state of the first sweep.
  EXPECT_EQ(reads[1]["state"]["contents"], json::parse(R"([{"type":"STREAM","stream":{
      "stream_descriptor":{"name":"FileRevisions"},"stream_state":{"cursor":"a"}}}])"));
}

TEST(AirbyteShimFailure, EncryptionServiceFailureFailsTheCapture) {
  EncryptionServer server;
  std::string url = server.url();
  url.replace(url.find("/v1/encrypt-config"), std::string::npos, "/fail");
  auto run = run_read({{"FAKE_READ", kTranscripts + "control-valid.jsonl"},
                       {"FAKE_SPEC", kTranscripts + "spec-with-secret.jsonl"}},
                      {"--config-encryption-url", url});
  EXPECT_EQ(run.status.code, 1);
  EXPECT_EQ(run.last_log_message(), "config encryption: POST " + url + " answered HTTP 500");
  EXPECT_EQ(run.err.find("s3cr3t"), std::string::npos);
}

TEST(AirbyteShimFailure, SigtermStopsTheChildAndRemovesTempFiles) {
  flow::process::TempDir record("airbyte-test");
  auto run = run_shim({.shim_args = {"--stop-grace", "1s"},
                       .child = {"python3", kFake},
                       .env = {{"FAKE_READ", kTranscripts + "control-valid.jsonl"},
                               {"FAKE_SPEC", kTranscripts + "spec-with-secret.jsonl"},
                               {"FAKE_MODE", "hang"},
                               {"FAKE_RECORD_DIR", record.path()}},
                       .requests = open_request(),
                       .session = true,
                       .on_line = [&](const std::string& line, flow::process::ChildProcess& shim) {
                         if (line.find("checkpoint") != std::string::npos) {
                           shim.signal(SIGTERM);
                         }
                       }});
  EXPECT_EQ(run.out_lines(), (std::vector<std::string>{R"({"opened":{}})", doc("a"), kStateA}));
  EXPECT_TRUE(run.status.success()) << run.status.describe() << run.err;
  json read;
  for (const auto& line : split_lines(read_file(record.path() + "/runs.jsonl"))) {
    if (auto parsed = json::parse(line); parsed["command"] == "read") {
      read = parsed;
    }
  }
  ASSERT_TRUE(read.is_object());
  EXPECT_FALSE(fs::exists(fs::path(read["config"]["path"].get<std::string>()).parent_path()))
      << "the temp dir must be removed after SIGTERM";
}
