// SPDX-License-Identifier: Apache-2.0
// METRIC lines on a tap's stderr.
#include <gtest/gtest.h>

#include <flow/singer/metric.hpp>

namespace {

using flow::singer::parse_metric_line;
using nlohmann::json;

TEST(SingerMetric, ParsesSingerPythonAndMeltanoMetricLines) {
  auto metric = parse_metric_line(
      R"(INFO METRIC: {"type": "counter", "metric": "record_count", "value": 12, "tags": {"endpoint": "users"}})");
  ASSERT_TRUE(metric.has_value());
  EXPECT_EQ((*metric)["value"], 12);
  EXPECT_EQ((*metric)["tags"]["endpoint"], "users");
  auto meltano = parse_metric_line(
      R"(2024-05-01 10:00:00,000 | INFO     | singer_sdk.metrics   | METRIC: {"type": "timer", "metric": "sync_duration", "value": 0.5})");
  ASSERT_TRUE(meltano.has_value());
  EXPECT_EQ((*meltano)["metric"], "sync_duration");
  EXPECT_FALSE(parse_metric_line("INFO Starting sync").has_value());
  EXPECT_FALSE(parse_metric_line("INFO METRIC: not json").has_value());
  EXPECT_FALSE(parse_metric_line(R"(INFO METRIC: {"unrelated": 1})").has_value());
}

}  // namespace
