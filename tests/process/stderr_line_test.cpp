// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <common/stderr_line.hpp>

namespace {

using flow::log::Level;
using flow::shims::looks_like_error;
using flow::shims::parse_stderr_line;

TEST(StderrLine, FlowsRuleFindsErrorWordsInAnyCase) {
  for (const char* text : {"ERROR x", "request Failed", "PANIC!", "read timeout", "Unable to",
                           "unrecognized option", "Unrecognised option", "xxerrorxx"}) {
    EXPECT_TRUE(looks_like_error(text)) << text;
  }
  for (const char* text : {"", "all good", "err", "fail", "time out", "able"}) {
    EXPECT_FALSE(looks_like_error(text)) << text;
  }
}

TEST(StderrLine, PlainLinesUseFlowsRuleAndKeepTheText) {
  auto entry = parse_stderr_line("Traceback (most recent call last):");
  EXPECT_EQ(entry.level, Level::info);
  EXPECT_EQ(entry.message, "Traceback (most recent call last):");
  EXPECT_EQ(entry.fields, (nlohmann::json{{"source", "child stderr"}}));

  entry = parse_stderr_line("ValueError: connection failed\r");
  EXPECT_EQ(entry.level, Level::error);
  EXPECT_EQ(entry.message, "ValueError: connection failed");
}

TEST(StderrLine, APlainLineOpeningWithALevelWordTakesThatLevel) {
  EXPECT_EQ(parse_stderr_line("INFO rows with errors: 0").level, Level::info);
  EXPECT_EQ(parse_stderr_line("INFO METRIC: {\"type\":\"counter\"}").level, Level::info);
  EXPECT_EQ(parse_stderr_line("WARNING: deprecated").level, Level::warn);
  EXPECT_EQ(parse_stderr_line("ERROR:root:boom").level, Level::error);
  EXPECT_EQ(parse_stderr_line("CRITICAL stop").level, Level::error);
  EXPECT_EQ(parse_stderr_line("DEBUG x").level, Level::debug);
  // Only an upper-case level word counts: "Info" is prose.
  EXPECT_EQ(parse_stderr_line("Info: unable to reach").level, Level::error);
  EXPECT_EQ(parse_stderr_line("ERROR:root:boom").message, "ERROR:root:boom");
}

TEST(StderrLine, PythonJsonLogsKeepLevelMessageAndFields) {
  const auto entry = parse_stderr_line(
      R"({"level":"WARNING","msg":"slow page","fields":{"page":3},"source":"tap_x","ts":"t"})");
  EXPECT_EQ(entry.level, Level::warn);
  EXPECT_EQ(entry.message, "slow page");
  EXPECT_EQ(entry.fields,
            (nlohmann::json{{"page", 3}, {"logger", "tap_x"}, {"source", "child stderr"}}));
}

TEST(StderrLine, JsonLevelsMapToFlowLevels) {
  EXPECT_EQ(parse_stderr_line(R"({"level":"CRITICAL","message":"x"})").level, Level::error);
  EXPECT_EQ(parse_stderr_line(R"({"level":"fatal","message":"x"})").level, Level::error);
  EXPECT_EQ(parse_stderr_line(R"({"lvl":"debug","message":"x"})").level, Level::debug);
  EXPECT_EQ(parse_stderr_line(R"({"levelname":"INFO","message":"x"})").level, Level::info);
  EXPECT_EQ(parse_stderr_line(R"({"severity":"trace","message":"x"})").level, Level::trace);
}

TEST(StderrLine, JsonWithoutAUsableLevelFallsBackToFlowsRule) {
  EXPECT_EQ(parse_stderr_line(R"({"message":"request failed"})").level, Level::error);
  EXPECT_EQ(parse_stderr_line(R"({"message":"fine","level":"loud"})").level, Level::info);
  const auto entry = parse_stderr_line(R"({"msg":{"nested":true},"extra":1})");
  EXPECT_EQ(entry.message, R"({"nested":true})");
  EXPECT_EQ(entry.fields, (nlohmann::json{{"extra", 1}, {"source", "child stderr"}}));
}

TEST(StderrLine, JsonThatIsNotALogIsAPlainLine) {
  for (const char* line : {R"({"type":"RECORD"})", "{not json", "[1,2]", R"({"error":1)"}) {
    const auto entry = parse_stderr_line(line);
    EXPECT_EQ(entry.message, line);
    EXPECT_EQ(entry.fields, (nlohmann::json{{"source", "child stderr"}}));
  }
  EXPECT_EQ(parse_stderr_line(R"({"error":1)").level, Level::error);
}

}  // namespace
