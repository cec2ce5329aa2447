// SPDX-License-Identifier: Apache-2.0
// flow-local's verbs against the hello-world example connector (a real child process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_harness.hpp"
#include "flow-local/catalog.hpp"

namespace flow::local::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kCatalog =
    std::string(FLOW_SOURCE_DIR) + "/examples/source-hello-world/test.flow.yaml";

TEST(HelloWorldRawSpec, PrintsTheSpecResponseAsOneLine) {
  auto run = run_flow_local({"raw", "spec", "--source", kCatalog});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  auto lines = run.stdout_lines();
  ASSERT_EQ(lines.size(), 1U);
  auto spec = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(spec["protocol"], 3032023);
  EXPECT_TRUE(spec["configSchema"].is_object());
  EXPECT_EQ(spec["resourcePathPointers"], nlohmann::json::array({"/name"}));
}

TEST(HelloWorldRawDiscover, EmitRawPrintsOneLinePerBinding) {
  auto run = run_flow_local({"raw", "discover", "--source", kCatalog, "--emit-raw"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  auto lines = run.stdout_lines();
  ASSERT_EQ(lines.size(), 1U);
  auto binding = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(binding["recommendedName"], "greetings");
  EXPECT_EQ(binding["key"], nlohmann::json::array({"/count"}));
}

TEST(HelloWorldRawDiscover, WithoutEmitRawRewritesTheCatalog) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml",
                        "captures:\n"
                        "  acmeCo/sources/hello:\n"
                        "    endpoint:\n"
                        "      local:\n"
                        "        command: [source-hello-world]\n"
                        "        config: config.yaml\n"
                        "    bindings: []\n");
  dir.write("config.yaml", "greeting: \"true\"\nrate: 100\n");
  auto run = run_flow_local({"raw", "discover", "--source", yaml});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(run.stdout_text, "Wrote 2 specifications under " + yaml + ".\n");

  auto catalog = Catalog::load(yaml);
  const auto& capture = catalog.capture("acmeCo/sources/hello");
  ASSERT_EQ(capture.bindings.size(), 1U);
  EXPECT_EQ(capture.bindings[0].target, "acmeCo/sources/greetings");
  EXPECT_EQ(capture.bindings[0].resource, nlohmann::json({{"name", "greetings"}}));
  const auto& collection = catalog.collection("acmeCo/sources/greetings");
  EXPECT_EQ(collection.key, std::vector<std::string>{"/count"});
  EXPECT_EQ(collection.write_schema["required"], nlohmann::json::array({"count", "message"}));
  // The config file reference is kept as written.
  EXPECT_THAT(read_file(yaml), HasSubstr("config: config.yaml"));
}

TEST(HelloWorldPreview, PrintsCommittedDocumentsAndStateThenResumesFromIt) {
  auto run =
      run_flow_local({"preview", "--source", kCatalog, "--sessions", "1,1", "--output-state"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  auto lines = run.stdout_lines();
  // Two sessions of one checkpoint of 5 greetings each, each followed by its state.
  ASSERT_EQ(lines.size(), 12U) << run.stdout_text;
  for (int i = 0; i < 5; ++i) {
    auto doc = nlohmann::json::parse(lines[static_cast<std::size_t>(i)]);
    EXPECT_EQ(doc[0], "acmeCo/greetings");
    EXPECT_EQ(doc[1]["count"], i + 1);
  }
  auto state = nlohmann::json::parse(lines[5]);
  EXPECT_EQ(state[0], "connectorState");
  EXPECT_EQ(state[1]["mergePatch"], true);
  // The second session opened with the reduced state and went on from 6.
  EXPECT_EQ(nlohmann::json::parse(lines[6])[1]["count"], 6);
  EXPECT_EQ(nlohmann::json::parse(lines[10])[1]["count"], 10);
  EXPECT_EQ(nlohmann::json::parse(lines[11])[0], "connectorState");
}

TEST(HelloWorldPreview, InitialStateSeedsTheFirstOpen) {
  auto first =
      run_flow_local({"preview", "--source", kCatalog, "--sessions", "1", "--output-state"});
  ASSERT_EQ(first.exit_code, 0) << first.stderr_text;
  auto state = nlohmann::json::parse(first.stdout_lines().back())[1]["updated"];

  auto run = run_flow_local(
      {"preview", "--source", kCatalog, "--sessions", "1", "--initial-state", state.dump()});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  auto lines = run.stdout_lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(nlohmann::json::parse(lines[0])[1]["count"], 6);
}

TEST(HelloWorldPreview, TimeoutEndsAnUnlimitedSessionGracefully) {
  auto run = run_flow_local({"preview", "--source", kCatalog, "--timeout", "1s"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_LT(run.seconds, 8.0);
  // At 50 greetings/s and a checkpoint every 5, some checkpoints committed; every printed
  // document belongs to one (multiples of 5).
  auto lines = run.stdout_lines();
  EXPECT_FALSE(lines.empty());
  EXPECT_EQ(lines.size() % 5, 0U) << run.stdout_text;
}

TEST(HelloWorldPreview, ProgressIsNotWrittenOffATerminal) {
  auto run = run_flow_local({"preview", "--source", kCatalog, "--sessions", "1"});
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.stderr_text, Not(HasSubstr("docs (")));
  EXPECT_THAT(run.stderr_text, Not(HasSubstr("\r")));
}

TEST(HelloWorldPreview, ProgressIsDrawnInPlaceOnATerminal) {
  // script(1) gives flow-local a pseudo-terminal; stdout and stderr both land in its output.
  auto run = run_program({"script", "-q", "-e", "-c",
                          flow_local_bin() + " preview --source " + kCatalog + " --timeout 1500ms",
                          "/dev/null"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text;
  EXPECT_THAT(run.stdout_text, HasSubstr(" docs ("));
  EXPECT_THAT(run.stdout_text, HasSubstr(" checkpoints · 00:0"));
  EXPECT_THAT(run.stdout_text, HasSubstr("\r\x1b[2K"));
}

TEST(HelloWorldRawCapture, PrintsRawCapturedAndCheckpointLines) {
  auto run = run_flow_local(
      {"raw", "capture", "--source", kCatalog, "--print-checkpoint", "--timeout", "1500ms"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  auto lines = run.stdout_lines();
  ASSERT_GE(lines.size(), 6U) << run.stdout_text;
  EXPECT_THAT(lines[0], StartsWith(R"({"captured":{"binding":0,"doc":{"count":1,)"));
  EXPECT_THAT(lines[5], StartsWith(R"({"checkpoint":{"state":)"));

  auto without = run_flow_local({"raw", "capture", "--source", kCatalog, "--timeout", "1500ms"});
  ASSERT_EQ(without.exit_code, 0) << without.stderr_text;
  EXPECT_THAT(without.stdout_text, Not(HasSubstr("checkpoint")));
  EXPECT_THAT(without.stdout_text, HasSubstr("captured"));
}

TEST(HelloWorldLogs, PrettyByDefaultAndVerbatimWithLogJson) {
  auto pretty = run_flow_local({"preview", "--source", kCatalog, "--sessions", "1"});
  ASSERT_EQ(pretty.exit_code, 0);
  EXPECT_THAT(pretty.stderr_text, HasSubstr("INFO  Greeting from 1"));
  EXPECT_THAT(pretty.stderr_text, HasSubstr("eventType=connectorStatus"));

  auto json = run_flow_local({"preview", "--source", kCatalog, "--sessions", "1", "--log-json"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.stderr_text, HasSubstr(R"("level":"info")"));
  EXPECT_THAT(json.stderr_text, HasSubstr(R"("eventType":"connectorStatus")"));
  for (const auto& line : CliRun{0, json.stderr_text, "", 0}.stdout_lines()) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
}

}  // namespace
}  // namespace flow::local::testing
