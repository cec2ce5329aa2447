// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <flow/log.hpp>

namespace {

using flow::log::Level;

std::chrono::system_clock::time_point at_millis(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(LogFormat, WritesFlowsJsonShape) {
  // 2026-01-02T03:04:05.678Z
  const auto line = flow::log::format_line(at_millis(1767323045678), Level::info, "Capture started",
                                           {{"bindings", 3}});
  EXPECT_EQ(
      line,
      R"({"ts":"2026-01-02T03:04:05.678Z","level":"info","message":"Capture started","fields":{"bindings":3}})");
}

TEST(LogFormat, OmitsEmptyFieldsAndEscapesTheMessage) {
  const auto line = flow::log::format_line(at_millis(0), Level::warn, "a \"b\"\nc", nullptr);
  EXPECT_EQ(line, R"({"ts":"1970-01-01T00:00:00.000Z","level":"warn","message":"a \"b\"\nc"})");
}

TEST(LogFormat, ReplacesInvalidUtf8InFieldsInsteadOfThrowing) {
  const auto line =
      flow::log::format_line(at_millis(0), Level::error, "x", {{"bytes", std::string("\xff\xfe")}});
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(LogLevel, ParsesFlowNamesAndAliases) {
  EXPECT_EQ(flow::log::parse_level("warn"), Level::warn);
  EXPECT_EQ(flow::log::parse_level("WARNING"), Level::warn);
  EXPECT_EQ(flow::log::parse_level("Debug"), Level::debug);
  EXPECT_EQ(flow::log::parse_level("fatal"), Level::error);
  EXPECT_EQ(flow::log::parse_level("critical"), std::nullopt);
  EXPECT_EQ(flow::log::level_name(Level::error), "error");
}

nlohmann::json last_stderr_line(const std::string& captured) {
  EXPECT_FALSE(captured.empty());
  const auto start = captured.rfind('\n', captured.size() - 2);
  return nlohmann::json::parse(captured.substr(start == std::string::npos ? 0 : start + 1));
}

TEST(LogEvents, ConnectorStatusAndConfigUpdateCarryTheirEventType) {
  flow::log::init();
  flow::log::set_level(Level::info);
  ::testing::internal::CaptureStderr();
  flow::log::connector_status("Backfilling 3 tables", {{"tables", 3}});
  auto status = last_stderr_line(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(status["level"], "info");
  EXPECT_EQ(status["message"], "Backfilling 3 tables");
  EXPECT_EQ(status["fields"]["eventType"], "connectorStatus");
  EXPECT_EQ(status["fields"]["tables"], 3);

  ::testing::internal::CaptureStderr();
  flow::log::config_update("token rotated", {{"token_sops", "ENC[...]"}});
  auto update = last_stderr_line(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(update["fields"]["eventType"], "configUpdate");
  EXPECT_EQ(update["fields"]["config"]["token_sops"], "ENC[...]");
}

TEST(LogEvents, PlainSpdlogCallsComeOutAsFlowLinesAndCriticalBecomesError) {
  flow::log::init();
  flow::log::set_level(Level::debug);
  ::testing::internal::CaptureStderr();
  spdlog::critical("disk {} full", "/dev/sda");
  auto line = last_stderr_line(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["message"], "disk /dev/sda full");

  flow::log::set_level(Level::warn);
  ::testing::internal::CaptureStderr();
  flow::log::info("filtered");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  flow::log::set_level(Level::info);
}

}  // namespace
