// SPDX-License-Identifier: Apache-2.0
// Pure pieces: response parsing and field checks, capture request building, log decoding,
// excerpts, progress formatting, the hot-path scanner and the document validator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "flow-local/capture_protocol.hpp"
#include "flow-local/capture_session.hpp"
#include "flow-local/captured_scanner.hpp"
#include "flow-local/conformance.hpp"
#include "flow-local/console.hpp"
#include "flow-local/document_validator.hpp"
#include "flow-local/progress.hpp"
#include "flow-local/response_check.hpp"

namespace flow::local {
namespace {

using ::testing::HasSubstr;
using Keys = std::vector<std::vector<std::string>>;

// A Line over `text` with the padding simdjson needs.
struct PaddedLine {
  explicit PaddedLine(std::string text, std::size_t number = 1) : storage(std::move(text)) {
    size = storage.size();
    storage.append(flow::LineReader::kLinePadding, ' ');
    line.text = std::string_view(storage.data(), size);
    line.capacity = storage.size();
    line.number = number;
  }
  std::string storage;
  std::size_t size;
  flow::Line line;
};

Console& quiet_console() {
  static Console console({.json = true, .tty = false});
  return console;
}

TEST(ParseResponse, AcceptsOneKnownKindAndNormalisesProtoNames) {
  Conformance strict(quiet_console(), false);
  PaddedLine line(R"({"sourced_schema":{"binding":0,"schema_json":{}}})");
  auto response = parse_response(line.line, kCaptureResponseKinds, strict);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->kind, "sourcedSchema");
  EXPECT_NO_THROW(check_fields(response->body, {"binding", "documentSchema"}, "sourcedSchema",
                               *response, strict));
}

TEST(ParseResponse, RejectsNonJsonSeveralKeysUnknownKindsAndPartialLines) {
  Conformance strict(quiet_console(), false);
  for (const char* text :
       {"hello", "", R"({"opened":{},"captured":{}})", R"({"bogus":{}})", R"({"opened":3})"}) {
    PaddedLine line(text);
    EXPECT_THROW(parse_response(line.line, kCaptureResponseKinds, strict), ConformanceViolation)
        << text;
  }
  PaddedLine partial(R"({"opened":{}})");
  partial.line.terminated = false;
  EXPECT_THROW(parse_response(partial.line, kCaptureResponseKinds, strict), ConformanceViolation);
}

TEST(ParseResponse, LenientModeCountsWarningsAndSkips) {
  Conformance lenient(quiet_console(), true);
  PaddedLine line("not json");
  EXPECT_FALSE(parse_response(line.line, kCaptureResponseKinds, lenient));
  EXPECT_EQ(lenient.warnings(), 1U);
}

TEST(CheckFields, FlagsUnknownFieldsAndNulls) {
  Conformance lenient(quiet_console(), true);
  Response r;
  r.body = OrderedJson::parse(
      R"({"protocol":3032023,"config_schema_json":{},"x":1,"documentationUrl":null})");
  check_fields(r.body, {"protocol", "configSchema", "documentationUrl"}, "spec", r, lenient);
  EXPECT_EQ(lenient.warnings(), 2U);  // `x` unknown, documentationUrl null
}

TEST(CheckCheckpoint, RequiresStateWithAnObjectUpdated) {
  Conformance lenient(quiet_console(), true);
  Response r;
  r.body = OrderedJson::parse(R"({"state":{"updated":{"a":1},"mergePatch":true}})");
  auto state = check_checkpoint(r, lenient);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->merge_patch);
  EXPECT_EQ(state->updated, nlohmann::json({{"a", 1}}));
  r.body = OrderedJson::parse(R"({"state":{"mergePatch":true}})");
  EXPECT_FALSE(check_checkpoint(r, lenient));
  r.body = OrderedJson::object();
  EXPECT_FALSE(check_checkpoint(r, lenient));
  EXPECT_EQ(lenient.warnings(), 2U);
}

TEST(CaptureRequests, StateKeyAndResourcePath) {
  EXPECT_EQ(state_key({"public", "orders"}, 0), "public%2Forders");
  EXPECT_EQ(state_key({"a/cdc", "table baz"}, 3), "a%2Fcdc%2Ftable+baz.v3");
  EXPECT_EQ(resource_path_of(nlohmann::json::parse(R"({"schema":"s","table":"t","n":4})"),
                             {"/schema", "/table", "/n", "/missing"}),
            (std::vector<std::string>{"s", "t", "4"}));  // absent pointers are skipped
}

TEST(CaptureRequests, OpenCarriesSpecRangeAndState) {
  OrderedJson spec = {{"name", "a/b"}};
  auto open = nlohmann::json::parse(open_request(spec, {{"cursor", 3}}));
  EXPECT_EQ(open["open"]["capture"]["name"], "a/b");
  EXPECT_EQ(open["open"]["range"]["keyEnd"], 4294967295U);
  EXPECT_EQ(open["open"]["state"]["cursor"], 3);
}

TEST(ConnectorStateLine, MatchesFlowctlPreviewOutput) {
  EXPECT_EQ(connector_state_line({{"a", 1}}, true),
            R"(["connectorState",{"updated":{"a":1},"mergePatch":true}])");
  EXPECT_EQ(connector_state_line({{"a", 1}}, false), R"(["connectorState",{"updated":{"a":1}}])");
}

TEST(ConnectorLogs, DecodesFlexLogLikeTheRuntime) {
  auto structured = decode_connector_log(
      R"({"ts":"2026-01-01T00:00:00Z","lvl":"WARNING","msg":"slow","fields":{"n":1},"extra":true})");
  EXPECT_EQ(structured.level, "warn");
  EXPECT_EQ(structured.message, "slow");
  EXPECT_EQ(structured.fields, nlohmann::json::parse(R"({"n":1,"extra":true})"));
  auto text = decode_connector_log("Traceback: connection failed");
  EXPECT_EQ(text.level, "error");
  EXPECT_EQ(text.message, "Traceback: connection failed");
  EXPECT_EQ(decode_connector_log("just chatting").level, "warn");
  EXPECT_EQ(decode_connector_log(R"({"level":"CRITICAL","message":"x"})").message,
            R"({"level":"CRITICAL","message":"x"})");
  EXPECT_EQ(format_pretty("info", "hello", {{"n", 1}, {"s", "x"}}, false), "INFO  hello  n=1  s=x");
}

TEST(Excerpt, CutsAtUtf8BoundariesWithAnEllipsis) {
  EXPECT_EQ(excerpt_of("short"), "short");
  std::string long_text(198, 'a');
  long_text += "éé";  // 2 bytes each: byte 200 is inside the first é
  EXPECT_EQ(excerpt_of(long_text), std::string(198, 'a') + "é…");
}

TEST(ProgressFormat, IsHumanReadable) {
  EXPECT_EQ(Progress::format(1'234'567, 50 * 1024 * 1024, 14, 34.2),
            "1.2M docs (36.1k/s) · 50.0 MiB · 14 checkpoints · 00:34");
}

TEST(CapturedScanner, DecodesBindingAndRawDocInPlace) {
  CapturedScanner scanner(Keys{{"/id"}, {"/a/b", "/c"}});
  CapturedScanner::Captured out;
  PaddedLine line(R"({"captured":{"binding":1,"doc":{"a":{"x":1,"b":null},"c":2}}})");
  ASSERT_EQ(scanner.scan(line.line, out), CapturedScanner::Result::captured);
  EXPECT_EQ(out.binding, 1U);
  EXPECT_EQ(out.doc, R"({"a":{"x":1,"b":null},"c":2})");
  EXPECT_EQ(out.missing_key, "");
}

TEST(CapturedScanner, FindsMissingKeysWhicheverFieldComesFirst) {
  CapturedScanner scanner(Keys{{"/id", "/a/b"}});
  CapturedScanner::Captured out;
  PaddedLine nested(R"({"captured":{"binding":0,"doc":{"id":1,"a":{"c":1}}}})");
  ASSERT_EQ(scanner.scan(nested.line, out), CapturedScanner::Result::captured);
  EXPECT_EQ(out.missing_key, "/a/b");
  PaddedLine doc_first(R"({"captured":{"doc":{"a":{"b":1}},"binding":0}})");
  ASSERT_EQ(scanner.scan(doc_first.line, out), CapturedScanner::Result::captured);
  EXPECT_EQ(out.missing_key, "/id");
  EXPECT_EQ(out.doc, R"({"a":{"b":1}})");
}

TEST(CapturedScanner, ArrayIndexAndEscapedPointersUseTheSlowPath) {
  CapturedScanner scanner(Keys{{"/list/1", "/a~1b"}});
  CapturedScanner::Captured out;
  PaddedLine present(R"({"captured":{"binding":0,"doc":{"list":[0,1],"a/b":true}}})");
  ASSERT_EQ(scanner.scan(present.line, out), CapturedScanner::Result::captured);
  EXPECT_EQ(out.missing_key, "");
  PaddedLine absent(R"({"captured":{"binding":0,"doc":{"list":[0],"a/b":true}}})");
  ASSERT_EQ(scanner.scan(absent.line, out), CapturedScanner::Result::captured);
  EXPECT_EQ(out.missing_key, "/list/1");
}

TEST(CapturedScanner, ReportsBrokenEnvelopes) {
  CapturedScanner scanner(Keys{{"/id"}});
  CapturedScanner::Captured out;
  struct Bad {
    const char* text;
    std::string_view rule;
  };
  for (const auto& bad :
       {Bad{R"({"captured":{"binding":0,"doc":{"id":1},"x":1}})", rule::kUnknownField},
        Bad{R"({"captured":{"binding":-1,"doc":{"id":1}}})", rule::kFieldType},
        Bad{R"({"captured":{"binding":0,"doc":[1]}})", rule::kFieldType},
        Bad{R"({"captured":{"binding":0}})", rule::kFieldType},
        Bad{R"({"captured":{"binding":0,"doc":{"id":1}},"checkpoint":{}})", rule::kResponseKind},
        Bad{R"({"captured":{"binding":0,"doc":{"id":1}}} trailing)", rule::kResponseJson}}) {
    PaddedLine line(bad.text);
    EXPECT_EQ(scanner.scan(line.line, out), CapturedScanner::Result::invalid) << bad.text;
    EXPECT_EQ(scanner.problem().rule, bad.rule) << bad.text;
  }
  PaddedLine other(R"({"checkpoint":{"state":{"updated":{}}}})");
  EXPECT_EQ(scanner.scan(other.line, out), CapturedScanner::Result::other);
}

TEST(DocumentValidator, ReportsTheDeepestFailureWithItsLocation) {
  DocumentValidator validator(nlohmann::json::parse(
      R"({"type":"object","properties":{"a":{"type":"object","properties":{"n":{"type":"integer"}}}},"required":["a"]})"));
  EXPECT_FALSE(validator.validate(std::string_view(R"({"a":{"n":1}})")));
  auto error = validator.validate(std::string_view(R"({"a":{"n":"x"}})"));
  ASSERT_TRUE(error);
  EXPECT_THAT(*error, HasSubstr("at /a/n:"));
  EXPECT_TRUE(validator.validate(std::string_view(R"({})")));
}

}  // namespace
}  // namespace flow::local
