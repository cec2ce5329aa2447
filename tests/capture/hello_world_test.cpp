// SPDX-License-Identifier: Apache-2.0
// Runs the built source-hello-world binary as a child process through whole protocol sessions.

#include <gtest/gtest.h>
#include <unistd.h>

#include <flow/line_reader.hpp>
#include <flow/process/child_process.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture.pb.h"
#include "proto_transcript.hpp"

namespace {

using flow::process::ChildProcess;

const std::string kSpec = R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                          "\n";

std::string open_request(const nlohmann::json& state) {
  nlohmann::json open = {{"open",
                          {{"capture",
                            {{"name", "acmeCo/hello"},
                             {"connectorType", "LOCAL"},
                             {"config", {{"rate", 2000}, {"checkpoint_every", 3}}},
                             {"bindings",
                              {{{"resourceConfig", {{"name", "greetings"}}},
                                {"resourcePath", {"greetings"}},
                                {"collection", {{"name", "acmeCo/greetings"}, {"key", {"/count"}}}},
                                {"stateKey", "greetings"}}}}}},
                           {"range", {{"keyEnd", 4294967295U}, {"rClockEnd", 4294967295U}}},
                           {"state", state}}}};
  return open.dump() + "\n";
}

void write_all(int fd, const std::string& text) {
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (ssize_t n = 0; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(HelloWorldProcess, AnswersSpecTwiceThenDiscoverAndExitsZeroOnEof) {
  auto child = ChildProcess::spawn({.argv = {FLOW_HELLO_WORLD_BIN}});
  write_all(child.stdin_fd(), kSpec + kSpec +
                                  R"({"discover":{"connectorType":"LOCAL","config":{}}})"
                                  "\n");
  child.close_stdin();
  const std::string out = read_all(child.stdout_fd());
  EXPECT_TRUE(child.wait().success());

  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  for (std::size_t nl = 0; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(nlohmann::json::parse(out.substr(start, nl - start)));
  }
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0]["spec"]["protocol"], 3032023);
  EXPECT_EQ(lines[0]["spec"]["resourcePathPointers"], nlohmann::json({"/name"}));
  EXPECT_EQ(lines[0]["spec"]["configSchema"]["properties"]["api_token"]["secret"], true);
  EXPECT_EQ(lines[1], lines[0]);
  EXPECT_EQ(lines[2]["discovered"]["bindings"][0]["key"], nlohmann::json({"/count"}));
}

TEST(HelloWorldProcess, ResumesFromCheckpointedStateAndStopsOnEof) {
  auto child = ChildProcess::spawn({.argv = {FLOW_HELLO_WORLD_BIN}});
  write_all(child.stdin_fd(),
            kSpec + open_request({{"bindingStateV1", {{"greetings", {{"count", 6}}}}}}));
  flow::LineReader reader(child.stdout_fd());
  std::vector<nlohmann::json> lines;
  std::size_t checkpoints = 0;
  while (checkpoints < 2) {
    auto line = reader.next();
    ASSERT_TRUE(line.has_value()) << "connector ended early";
    lines.push_back(nlohmann::json::parse(line->text));
    checkpoints += lines.back().contains("checkpoint") ? 1U : 0U;
  }
  child.close_stdin();  // the runtime ends a session by closing stdin
  while (reader.next()) {
  }
  const auto status = child.wait();
  EXPECT_TRUE(status.success()) << status.describe();

  ASSERT_GE(lines.size(), 9U);
  EXPECT_TRUE(lines[1].contains("opened"));            // after the spec response
  EXPECT_EQ(lines[2]["captured"]["doc"]["count"], 7);  // resumed after 6
  EXPECT_EQ(lines[2]["captured"]["doc"]["message"], "Hello, world! #7");
  EXPECT_EQ(lines[5]["checkpoint"]["state"],
            nlohmann::json::parse(
                R"({"updated":{"bindingStateV1":{"greetings":{"count":9}}},"mergePatch":true})"));
}

TEST(HelloWorldProcess, MalformedRequestGivesOneFlowErrorLineAndExitOne) {
  auto child = ChildProcess::spawn({.argv = {FLOW_HELLO_WORLD_BIN}});
  write_all(child.stdin_fd(), kSpec + "{\"discover\": nope}\n");
  child.close_stdin();
  const std::string out = read_all(child.stdout_fd());
  const std::string err = read_all(child.stderr_fd());
  const auto status = child.wait();
  EXPECT_EQ(status.code, 1);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);  // only the spec response

  ASSERT_FALSE(err.empty());
  ASSERT_EQ(err.back(), '\n');
  const auto last_line = err.substr(err.rfind('\n', err.size() - 2) + 1);
  const auto log = nlohmann::json::parse(last_line);
  EXPECT_EQ(log["level"], "error");
  EXPECT_NE(
      log["message"].get<std::string>().find(
          "stdin line 2: malformed request: field 'discover': expected an object, found `nope`"),
      std::string::npos)
      << log.dump();
  EXPECT_TRUE(log.contains("ts"));
}

TEST(HelloWorldProcess, LogLevelFromEnvironmentFiltersLogs) {
  auto child =
      ChildProcess::spawn({.argv = {FLOW_HELLO_WORLD_BIN}, .env = {{"LOG_LEVEL", "warn"}}});
  write_all(child.stdin_fd(), kSpec + open_request(nlohmann::json::object()));
  child.close_stdin();
  read_all(child.stdout_fd());
  const std::string err = read_all(child.stderr_fd());
  EXPECT_TRUE(child.wait().success());
  // The connectorStatus and "stdin closed" lines are info: filtered at warn. (A warning that
  // the stop cut off uncommitted documents may appear, depending on timing.)
  std::size_t start = 0;
  for (std::size_t nl = 0; (nl = err.find('\n', start)) != std::string::npos; start = nl + 1) {
    EXPECT_NE(nlohmann::json::parse(err.substr(start, nl - start))["level"], "info");
  }
}

TEST(HelloWorldProcess, SigtermStopsCleanly) {
  auto child = ChildProcess::spawn({.argv = {FLOW_HELLO_WORLD_BIN}});
  write_all(child.stdin_fd(), kSpec + open_request(nlohmann::json::object()));
  flow::LineReader reader(child.stdout_fd());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(reader.next().has_value());
  }
  const auto status = child.terminate(std::chrono::seconds(5));
  EXPECT_TRUE(status.success()) << status.describe();
}

}  // namespace

// The same binary under FLOW_RUNTIME_CODEC=proto: frames in (built by libprotobuf from the JSON
// requests), frames out, the same answers as the JSON sessions above.
TEST(HelloWorldProcess, SpeaksProtobufWhenTheEnvironmentSaysSo) {
  flowpb::capture::Request request;
  std::string why;
  const auto frames = flow::testing::to_frames(
      kSpec + open_request({{"bindingStateV1", {{"greetings", {{"count", 10}}}}}}), request, why);
  ASSERT_TRUE(frames) << why;
  auto child = ChildProcess::spawn(
      {.argv = {FLOW_HELLO_WORLD_BIN}, .env = {{"FLOW_RUNTIME_CODEC", "proto"}}});
  write_all(child.stdin_fd(), *frames);
  // Read until the first checkpoint (three documents), then end the session with EOF.
  std::string out;
  flowpb::capture::Response response;
  std::vector<nlohmann::json> messages;
  char buffer[4096];
  while (messages.empty() || !messages.back().contains("checkpoint")) {
    const ssize_t n = read(child.stdout_fd(), buffer, sizeof(buffer));
    ASSERT_GT(n, 0) << "the connector closed its output early";
    out.append(buffer, static_cast<std::size_t>(n));
    messages = flow::testing::frames_to_json(out, response);
    if (!messages.empty() && messages.back().is_string()) {
      messages.pop_back();  // a partial frame: read on
    }
  }
  child.close_stdin();
  read_all(child.stdout_fd());
  EXPECT_TRUE(child.wait().success());

  ASSERT_GE(messages.size(), 4U);
  EXPECT_EQ(messages[0]["spec"]["protocol"], 3032023);
  EXPECT_TRUE(messages[1].contains("opened"));
  EXPECT_EQ(messages[2]["captured"]["doc"]["count"], 11);  // resumed after 10
  const auto& last_document = messages[messages.size() - 2]["captured"]["doc"];
  EXPECT_EQ(last_document["message"], "Hello, world! #" + last_document["count"].dump());
  EXPECT_EQ(
      messages.back()["checkpoint"]["state"],
      (nlohmann::json{
          {"updated", {{"bindingStateV1", {{"greetings", {{"count", last_document["count"]}}}}}}},
          {"mergePatch", true}}));
}
