// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

/// Singer METRIC log lines. Taps log metrics on stderr as `INFO METRIC: {"type":"counter",
/// "metric":"record_count","value":12,"tags":{...}}` (singer-python), or with a timestamp and
/// logger name before `METRIC:` (Meltano SDK).
///
/// Example:
///   if (auto metric = flow::singer::parse_metric_line(line)) {
///     flow::log::info("tap metric", {{"stats", *metric}});
///   }
namespace flow::singer {

/// The metric object of a METRIC line (it must have "metric" or "type"), or nullopt.
std::optional<nlohmann::json> parse_metric_line(std::string_view line);

/// The stderr handler of a tap: METRIC lines become info logs "tap metric" with the metric
/// under fields.stats; every other line is forwarded as a Flow log line (levels from
/// singer-python's "LEVEL message" prefix or a JSON log object).
void forward_tap_stderr_line(std::string_view line);

}  // namespace flow::singer
