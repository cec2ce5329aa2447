// SPDX-License-Identifier: Apache-2.0
// Each conformance rule, caught in a deliberately broken connector (tests/runner/connectors).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_harness.hpp"

namespace flow::local::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Case {
  std::string script;
  std::vector<std::string> verb;  ///< e.g. {"raw", "spec"}
  std::string rule;
  std::string message;  ///< part of the explanation
  std::string excerpt;  ///< part of the offending message quoted back
  int bindings = 1;
  std::string line;  ///< "message N" expected, empty when not tied to one message
};

std::vector<std::string> with_source(const std::vector<std::string>& verb,
                                     const std::string& yaml,
                                     std::vector<std::string> extra = {}) {
  auto args = verb;
  args.push_back("--source");
  args.push_back(yaml);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

const std::vector<std::string> kPreview = {"preview"};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.script;
}

class ConformanceRule : public ::testing::TestWithParam<Case> {};

TEST_P(ConformanceRule, IsReportedWithRuleLineAndExcerptAndFailsTheRun) {
  const auto& c = GetParam();
  ScratchDir dir;
  auto yaml = broken_connector_catalog(dir, c.script, c.bindings);
  auto run = run_flow_local(with_source(c.verb, yaml));
  EXPECT_EQ(run.exit_code, 1) << run.stderr_text;
  EXPECT_THAT(run.stderr_text, HasSubstr("ERROR conformance [" + c.rule + "]"));
  EXPECT_THAT(run.stderr_text, HasSubstr(c.message));
  if (!c.line.empty()) {
    EXPECT_THAT(run.stderr_text, HasSubstr(c.line));
  }
  if (!c.excerpt.empty()) {
    EXPECT_THAT(run.stderr_text, HasSubstr(c.excerpt));
  }
  // Nothing of a failed checkpoint reaches stdout.
  EXPECT_THAT(run.stdout_text, Not(HasSubstr("connectorState")));
}

INSTANTIATE_TEST_SUITE_P(
    BrokenConnectors,
    ConformanceRule,
    ::testing::Values(
        Case{"unknown_field",
             {"raw", "spec"},
             "unknown-field",
             "unknown field `bogusField` in spec",
             R"({"spec":{"protocol":3032023,)",
             1,
             "message 1"},
        Case{"protocol_version",
             {"raw", "spec"},
             "protocol-version",
             "spec.protocol must be 3032023, got 1",
             R"({"spec":{"protocol":1,)",
             1,
             "message 1"},
        Case{"two_spec_responses",
             {"raw", "spec"},
             "unary-response",
             "an extra `spec` response",
             R"({"spec":{"protocol":3032023)",
             1,
             "message 3"},
        Case{"opened_not_first", kPreview, "opened-first",
             "the first response to open must be `opened`, got `captured`",
             R"({"captured":{"binding":0,"doc":{"id":1}}})", 1, "message 2"},
        Case{"checkpoint_without_state", kPreview, "checkpoint-state",
             "a checkpoint must carry `state`", R"({"checkpoint":{}})", 1, "message 4"},
        Case{"binding_out_of_range", kPreview, "binding-range",
             "captured.binding 7 is out of range: the capture has 1 binding(s)",
             R"({"captured":{"binding":7,)", 1, "message 3"},
        Case{"backfill_not_alone", kPreview, "backfill-alone",
             "backfillBegin must stand alone in its checkpoint, but 1 captured document(s) came "
             "before it since the last checkpoint",
             R"({"backfillBegin":{"binding":0}})", 1, "message 4"},
        Case{"backfill_then_captured", kPreview, "backfill-alone",
             "captured follows `backfillComplete` before a checkpoint",
             R"({"captured":{"binding":0,)", 1, "message 4"},
        Case{"documents_without_checkpoint", kPreview, "uncommitted-documents",
             "2 document(s) were not followed by a checkpoint", "", 1, "message 6"},
        Case{"validated_wrong_count", kPreview, "validated-bindings",
             "validated has 0 bindings for 1 requested", R"({"validated":{"bindings":[]}})", 1,
             "message 2"},
        Case{"validated_wrong_order", kPreview, "validated-bindings",
             R"(resourcePath ["b"] does not match binding 0's resourceConfig)",
             R"({"validated":{"bindings":[{"resourcePath":["b"]})", 2, "message 2"},
        Case{"validated_duplicate_paths", kPreview, "validated-bindings",
             "repeats an earlier binding's; resource paths must be unique", "", 2, "message 2"},
        Case{"document_fails_schema", kPreview, "document-schema",
             "does not validate against the collection schema, at /name:", R"("name":42)", 1,
             "message 3"},
        Case{"document_missing_key", kPreview, "document-key", "has no value at key pointer /id",
             R"("name":"no id here")", 1, "message 3"},
        Case{"discovered_without_key",
             {"raw", "discover", "--emit-raw"},
             "discovered-bindings",
             "discovered.bindings[0].key must be a non-empty list of JSON pointers",
             R"({"discovered":{"bindings":[{"recommendedName":"things")",
             1,
             "message 2"},
        Case{"stdout_pollution", kPreview, "response-json", "stdout line is not valid JSON",
             "Connecting to the API...", 1, "message 3"}),
    [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.script; });

TEST(ConformanceLenient, TurnsViolationsIntoWarningsAndGoesOn) {
  ScratchDir dir;
  auto yaml = broken_connector_catalog(dir, "document_fails_schema");
  auto run = run_flow_local({"--lenient", "preview", "--source", yaml});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_THAT(run.stderr_text, HasSubstr("WARN  conformance [document-schema]"));
  EXPECT_THAT(run.stderr_text, HasSubstr("1 conformance violation(s) reported as warnings"));
  EXPECT_EQ(run.stdout_text, "[\"test/a\",{\"id\":1,\"name\":42}]\n");
}

TEST(ConformanceNoValidate, SkipsSchemaValidationButStillChecksKeys) {
  ScratchDir dir;
  auto bad_schema = run_flow_local({"--no-validate", "preview", "--source",
                                    broken_connector_catalog(dir, "document_fails_schema")});
  EXPECT_EQ(bad_schema.exit_code, 0) << bad_schema.stderr_text;
  EXPECT_EQ(bad_schema.stdout_text, "[\"test/a\",{\"id\":1,\"name\":42}]\n");

  ScratchDir dir2;
  auto missing_key = run_flow_local({"--no-validate", "preview", "--source",
                                     broken_connector_catalog(dir2, "document_missing_key")});
  EXPECT_EQ(missing_key.exit_code, 1);
  EXPECT_THAT(missing_key.stderr_text, HasSubstr("conformance [document-key]"));
}

TEST(ConformanceLogJson, ViolationIsOneFlowLogLineWithRuleLineAndExcerpt) {
  ScratchDir dir;
  auto yaml = broken_connector_catalog(dir, "checkpoint_without_state");
  auto run = run_flow_local({"--log-json", "preview", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr(R"("level":"error")"));
  EXPECT_THAT(run.stderr_text, HasSubstr(R"("rule":"checkpoint-state")"));
  EXPECT_THAT(run.stderr_text, HasSubstr(R"("line":4)"));
  EXPECT_THAT(run.stderr_text, HasSubstr(R"("excerpt":"{\"checkpoint\":{}}")"));
}

TEST(ExplicitAcknowledgements, EachCommittedCheckpointIsAcknowledged) {
  ScratchDir dir;
  auto run = run_flow_local(
      {"preview", "--source", broken_connector_catalog(dir, "explicit_acks"), "--output-state"});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(run.stdout_text,
            "[\"test/a\",{\"id\":1}]\n"
            "[\"connectorState\",{\"updated\":{\"cursor\":1},\"mergePatch\":true}]\n"
            "[\"test/a\",{\"id\":2}]\n"
            "[\"connectorState\",{\"updated\":{\"cursor\":2},\"mergePatch\":true}]\n");
}

TEST(ValidSpellings, WhitespaceFieldOrderAndProtoNamesAreAccepted) {
  ScratchDir dir;
  auto run =
      run_flow_local({"preview", "--source", broken_connector_catalog(dir, "unusual_spelling")});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(run.stdout_text,
            "[\"test/a\",{\"id\": 1, \"name\": \"one\"}]\n[\"test/a\",{\"id\": 2}]\n");
}

TEST(BackfillSignals, AreAcceptedByPreviewAndPrintedByRawCapture) {
  ScratchDir dir;
  const auto yaml = broken_connector_catalog(dir, "backfill_signals");
  // preview shows documents only, as flowctl does.
  auto preview = run_flow_local({"preview", "--source", yaml});
  EXPECT_EQ(preview.exit_code, 0) << preview.stderr_text;
  EXPECT_EQ(preview.stdout_text,
            "[\"test/a\",{\"id\":1,\"name\":\"one\"}]\n"
            "[\"test/a\",{\"id\":2,\"name\":\"two\"}]\n");
  // raw capture shows every message as it arrives.
  auto raw = run_flow_local({"raw", "capture", "--source", yaml, "--print-checkpoint"});
  EXPECT_EQ(raw.exit_code, 0) << raw.stderr_text;
  EXPECT_THAT(raw.stdout_text, HasSubstr("{\"backfillBegin\":{\"binding\":0}}\n"
                                         "{\"checkpoint\":{\"state\":{\"updated\":{},"));
  EXPECT_THAT(raw.stdout_text, HasSubstr("{\"backfillComplete\":{\"binding\":0}}\n"
                                         "{\"checkpoint\":{\"state\":{\"updated\":{"
                                         "\"backfilled\":true}"));
}

TEST(ConnectorFailures, CrashReportsExitStatusAndLastLog) {
  ScratchDir dir;
  auto run = run_flow_local({"preview", "--source", broken_connector_catalog(dir, "crashes")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text,
              HasSubstr("failed (exit code 3): cannot connect to api.example.com"));
}

TEST(ConnectorFailures, HangingConnectorIsKilledAfterTheGracePeriod) {
  ScratchDir dir;
  auto run = run_flow_local({"--exit-grace", "300ms", "preview", "--source",
                             broken_connector_catalog(dir, "hangs"), "--sessions", "1"});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_LT(run.seconds, 5.0);
  EXPECT_THAT(run.stderr_text, HasSubstr("did not exit after its stdin closed; killing it"));
  EXPECT_EQ(run.stdout_text, "[\"test/a\",{\"id\":1}]\n");
}

}  // namespace
}  // namespace flow::local::testing
