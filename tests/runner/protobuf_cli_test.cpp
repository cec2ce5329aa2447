// SPDX-License-Identifier: Apache-2.0
// `local: {protobuf: true}`: flow-local speaks the protobuf codec to real connector processes
// (the examples, under FLOW_RUNTIME_CODEC=proto) and must give what the JSON codec gives; a
// connector speaking the other codec is one clear error naming the setting to change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#ifdef FLOW_HAVE_SQLITE_EXAMPLE
#include <sqlite3.h>
#endif

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_harness.hpp"

namespace flow::local::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kExamples = std::string(FLOW_SOURCE_DIR) + "/examples";
const std::string kConnectors = std::string(FLOW_SOURCE_DIR) + "/tests/runner/connectors";

struct Codec {
  bool protobuf = false;
  bool env_proto = false;  ///< `env: {FLOW_RUNTIME_CODEC: proto}`
};
constexpr Codec kJson{.protobuf = false, .env_proto = false};
constexpr Codec kProtobuf{.protobuf = true, .env_proto = true};

/// `yaml` with `protobuf: true` and/or the env inserted before the (only) `command:` line, at
/// its indentation.
std::string with_codec(std::string yaml, Codec codec) {
  const auto at = yaml.find("command:");
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(yaml.find("command:", at + 1), std::string::npos) << "one endpoint expected";
  const auto line_start = yaml.rfind('\n', at) + 1;
  const std::string indent = yaml.substr(line_start, at - line_start);
  std::string lines;
  if (codec.protobuf) {
    lines += indent + "protobuf: true\n";
  }
  if (codec.env_proto) {
    lines += indent + "env: {FLOW_RUNTIME_CODEC: proto}\n";
  }
  yaml.insert(line_start, lines);
  return yaml;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

/// The hello-world catalog with `codec`, written into `dir`.
std::string hello_world(const ScratchDir& dir, Codec codec) {
  return dir.write("flow.yaml",
                   with_codec(read_file(kExamples + "/source-hello-world/test.flow.yaml"), codec));
}

std::vector<std::string> with(std::vector<std::string> args, const std::string& source) {
  args.insert(args.end(), {"--source", source});
  return args;
}

TEST(Protobuf, HelloWorldRawSpecAndDiscoverAreTheSameAsUnderJson) {
  ScratchDir json_dir;
  ScratchDir proto_dir;
  const auto json_yaml = hello_world(json_dir, kJson);
  const auto proto_yaml = hello_world(proto_dir, kProtobuf);
  for (const auto& verb :
       std::vector<std::vector<std::string>>{{"raw", "spec"}, {"raw", "discover", "--emit-raw"}}) {
    const auto json_run = run_flow_local(with(verb, json_yaml));
    const auto proto_run = run_flow_local(with(verb, proto_yaml));
    ASSERT_EQ(json_run.exit_code, 0) << json_run.stderr_text;
    ASSERT_EQ(proto_run.exit_code, 0) << proto_run.stderr_text;
    ASSERT_EQ(proto_run.stdout_lines().size(), 1U) << proto_run.stdout_text;
    EXPECT_EQ(proto_run.stdout_text, json_run.stdout_text) << verb[1];
  }
  const auto spec =
      nlohmann::json::parse(run_flow_local(with({"raw", "spec"}, proto_yaml)).stdout_lines().at(0));
  EXPECT_EQ(spec["protocol"], 3032023);
  EXPECT_EQ(spec["resourcePathPointers"], nlohmann::json::array({"/name"}));
}

TEST(Protobuf, HelloWorldPreviewGivesTheSameDocumentsAndStates) {
  ScratchDir json_dir;
  ScratchDir proto_dir;
  // Two sessions: the second opens with the state the first checkpointed, sent as a frame.
  const std::vector<std::string> preview = {"preview", "--sessions", "2,1", "--output-state"};
  const auto json_run = run_flow_local(with(preview, hello_world(json_dir, kJson)));
  const auto proto_run = run_flow_local(with(preview, hello_world(proto_dir, kProtobuf)));
  ASSERT_EQ(json_run.exit_code, 0) << json_run.stderr_text;
  ASSERT_EQ(proto_run.exit_code, 0) << proto_run.stderr_text;
  const auto lines = proto_run.stdout_lines();
  ASSERT_EQ(lines.size(), 18U) << proto_run.stdout_text;  // 3 checkpoints of 5 docs + a state
  EXPECT_EQ(lines.front(), R"(["acmeCo/greetings",{"count":1,"message":"Hello, world! #1"}])");
  EXPECT_EQ(lines.back(),
            R"(["connectorState",{"updated":{"bindingStateV1":{"greetings":{"count":15}}},)"
            R"("mergePatch":true}])");
  EXPECT_EQ(proto_run.stdout_text, json_run.stdout_text);
}

TEST(Protobuf, RawCaptureLinesAreEachFrameInTheJsonForm) {
  ScratchDir json_dir;
  ScratchDir proto_dir;
  const std::vector<std::string> capture = {"raw", "capture", "--print-checkpoint", "--timeout",
                                            "2s"};  // long enough under ASan too
  const auto json_run = run_flow_local(with(capture, hello_world(json_dir, kJson)));
  const auto proto_run = run_flow_local(with(capture, hello_world(proto_dir, kProtobuf)));
  ASSERT_EQ(json_run.exit_code, 0) << json_run.stderr_text;
  ASSERT_EQ(proto_run.exit_code, 0) << proto_run.stderr_text;
  const auto json_lines = json_run.stdout_lines();
  const auto proto_lines = proto_run.stdout_lines();
  // Each frame prints as its proto3 JSON form: `binding` 0 is a default, not on the wire.
  ASSERT_FALSE(proto_lines.empty());
  EXPECT_EQ(proto_lines[0], R"({"captured":{"doc":{"count":1,"message":"Hello, world! #1"}}})");
  // A timed session: compare what both runs got to, with the default made explicit.
  const auto n = std::min(json_lines.size(), proto_lines.size());
  ASSERT_GE(n, 6U) << proto_run.stdout_text;
  for (std::size_t i = 0; i < n; ++i) {
    auto message = nlohmann::json::parse(proto_lines[i]);
    if (message.contains("captured") && !message["captured"].contains("binding")) {
      message["captured"]["binding"] = 0;
    }
    EXPECT_EQ(message, nlohmann::json::parse(json_lines[i])) << "line " << i;
  }
}

TEST(Protobuf, AConnectorWrittenWithoutTheSdkIsTranscodedToo) {
  // tests/runner/connectors/answers_protobuf.py encodes its frames by hand.
  ScratchDir dir;
  const auto yaml = dir.write(
      "flow.yaml", "captures:\n  t/c:\n    endpoint:\n      local:\n        command: [python3, " +
                       kConnectors +
                       "/answers_protobuf.py]\n        config: {}\n"
                       "        protobuf: true\n    bindings: []\n");
  const auto run = run_flow_local({"raw", "spec", "--source", yaml});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(run.stdout_text,
            R"({"protocol":3032023,"configSchema":{"type":"object"},"resourceConfigSchema":)"
            R"({"type":"object","properties":{"name":{"type":"string"}}},"documentationUrl":)"
            R"("https://example.com/fake","resourcePathPointers":["/name"]})"
            "\n");
}

// ---- codec mismatches ------------------------------------------------------------------------

TEST(ProtobufMismatch, ProtobufWithoutTheEnvTellsToAddItOrDropProtobuf) {
  // The SDK connector is not told the codec, reads the frame as a JSON line and fails.
  ScratchDir dir;
  const auto yaml = hello_world(dir, Codec{.protobuf = true, .env_proto = false});
  for (const auto& verb :
       std::vector<std::vector<std::string>>{{"raw", "spec"}, {"preview", "--sessions", "1"}}) {
    const auto run = run_flow_local(with(verb, yaml));
    EXPECT_EQ(run.exit_code, 1) << verb[0];
    EXPECT_THAT(run.stderr_text, HasSubstr("add `FLOW_RUNTIME_CODEC: proto` under `local.env`, "
                                           "or drop `protobuf: true`"))
        << verb[0];
    EXPECT_EQ(run.stdout_text, "");
  }
}

TEST(ProtobufMismatch, EnvProtoWithoutProtobufTellsToSetProtobuf) {
  // The SDK connector expects frames, gets a JSON line, and fails.
  ScratchDir dir;
  const auto yaml = hello_world(dir, Codec{.protobuf = false, .env_proto = true});
  const auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("set `protobuf: true`"));
  EXPECT_EQ(run.stdout_text, "");
}

std::string script_catalog(const ScratchDir& dir, const std::string& script, bool protobuf) {
  return dir.write("flow.yaml",
                   "captures:\n  t/c:\n    endpoint:\n      local:\n"
                   "        command: [python3, " +
                       kConnectors + "/" + script + ".py]\n        config: {}\n        protobuf: " +
                       (protobuf ? "true" : "false") + "\n    bindings: []\n");
}

TEST(ProtobufMismatch, JsonWhereFramesWereExpectedIsNamed) {
  ScratchDir dir;
  const auto run =
      run_flow_local({"raw", "spec", "--source", script_catalog(dir, "answers_json", true)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text,
              HasSubstr("answered with JSON text (message 1) where protobuf frames were expected"));
  EXPECT_THAT(run.stderr_text, HasSubstr("add `FLOW_RUNTIME_CODEC: proto` under `local.env`, or "
                                         "drop `protobuf: true`"));
  EXPECT_EQ(run.stdout_text, "");
}

TEST(ProtobufMismatch, FramesWhereJsonWasExpectedAreNamedEvenWhenLenient) {
  ScratchDir dir;
  const auto yaml = script_catalog(dir, "answers_protobuf", false);
  for (const bool lenient : {false, true}) {
    std::vector<std::string> args = {"raw", "spec", "--source", yaml};
    if (lenient) {
      args.emplace_back("--lenient");
    }
    const auto run = run_flow_local(args);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.stderr_text, HasSubstr("wrote binary data on stdout (message 1) where JSON "
                                           "lines were expected"));
    EXPECT_THAT(run.stderr_text, HasSubstr("Set `protobuf: true` on its `local:` endpoint"));
    EXPECT_THAT(run.stderr_text, Not(HasSubstr("conformance")));
    EXPECT_EQ(run.stdout_text, "");
  }
}

TEST(ProtobufMismatch, ProtobufMustBeABoolean) {
  ScratchDir dir;
  const auto yaml = dir.write(
      "flow.yaml",
      "captures:\n  a/b:\n    endpoint:\n      local:\n        command: [source-hello-world]\n"
      "        config: {}\n        protobuf: \"yes\"\n    bindings: []\n");
  const auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text,
              HasSubstr("capture a/b: endpoint.local.protobuf must be true or false, not \"yes\""));
}

// ---- materialize and derive ------------------------------------------------------------------

#ifdef FLOW_HAVE_SQLITE_EXAMPLE
std::vector<std::string> rows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row += (i == 0 ? "" : "|") +
             std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
    }
    out.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}
#endif

TEST(Protobuf, MaterializeSqlitePreviewGivesTheSameTables) {
#ifndef FLOW_HAVE_SQLITE_EXAMPLE
  GTEST_SKIP() << "the materialize-sqlite example is not built";
#else
  const std::string fixture = kExamples + "/materialize-sqlite/fixture.json";
  const std::string orders =
      "SELECT id, amount, customer, tags, flow_document FROM orders "
      "ORDER BY id";
  const std::string clicks = "SELECT id, page FROM clicks ORDER BY id, page";
  std::vector<std::vector<std::string>> tables;
  for (const Codec codec : {kJson, kProtobuf}) {
    for (const bool packed : {false, true}) {
      ScratchDir dir;
      const auto yaml = dir.write(
          "flow.yaml",
          with_codec(replace(read_file(kExamples + "/materialize-sqlite/flow.yaml"),
                             "path: /tmp/flow-sqlite-example.db", "path: " + dir.path() + "/db"),
                     codec));
      std::vector<std::string> args = {"preview",   "--source", yaml,
                                       "--fixture", fixture,    "--output-state"};
      if (packed) {
        args.emplace_back("--packed");
      }
      const auto run = run_flow_local(args);
      ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
      EXPECT_EQ(run.stdout_text, "");
      // A second preview resumes from the checkpoint in `opened` (runtimeCheckpoint).
      const auto again = run_flow_local(args);
      ASSERT_EQ(again.exit_code, 0) << again.stderr_text;
      EXPECT_THAT(again.stderr_text, HasSubstr("committedTransactions=2"));
      auto table = rows(dir.path() + "/db", orders);
      for (auto& row : rows(dir.path() + "/db", clicks)) {
        table.push_back(row);
      }
      tables.push_back(table);
    }
  }
  ASSERT_EQ(tables.size(), 4U);
  EXPECT_EQ(
      tables[0],
      (std::vector<std::string>{
          R"(1|12.25|ada|["new","vip"]|{"amount":12.25,"customer":"ada","id":1,"tags":["new","vip"]})",
          R"(3|7.0|cy|NULL|{"amount":7,"customer":"cy","id":3})", "c1|/cart", "c1|/home",
          "c2|/home"}));
  for (std::size_t i = 1; i < tables.size(); ++i) {
    EXPECT_EQ(tables[i], tables[0]) << "run " << i << " (protobuf: " << (i >= 2) << ")";
  }
#endif
}

TEST(Protobuf, DeriveRunningTotalsPreviewGivesTheSameDocumentsAndStates) {
#ifndef FLOW_HAVE_DERIVE_EXAMPLE
  GTEST_SKIP() << "the derive-running-totals example is not built";
#else
  const std::string example = kExamples + "/derive-running-totals";
  std::vector<std::string> outputs;
  for (const Codec codec : {kJson, kProtobuf}) {
    for (const char* sessions : {"-1", "1,2,-1"}) {
      ScratchDir dir;
      // The example's flow.yaml, in its own folder: the source collection stays resolvable.
      const auto yaml =
          dir.write("flow.yaml", with_codec(read_file(example + "/flow.yaml"), codec));
      const auto run = run_flow_local(
          {"preview", "--source", yaml, "--name", "acmeCo/account-totals", "--fixture",
           example + "/fixture.json", "--sessions", sessions, "--output-state"});
      ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
      outputs.push_back(run.stdout_text);
    }
  }
  ASSERT_EQ(outputs.size(), 4U);
  EXPECT_THAT(outputs[0], HasSubstr(R"(["acmeCo/account-totals",{"account":"alice","count":2,)"
                                    R"("total":12.25}])"));
  EXPECT_THAT(outputs[0], HasSubstr(R"(["connectorState",{"updated":{"totals":)"));
  for (std::size_t i = 1; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i], outputs[0]) << "run " << i << " (protobuf: " << (i >= 2) << ")";
  }
#endif
}

}  // namespace
}  // namespace flow::local::testing
