// SPDX-License-Identifier: Apache-2.0
#include <common/child_session.hpp>
#include <common/json_depth.hpp>
#include <common/stderr_line.hpp>
#include <flow/log.hpp>
#include <flow/singer/metric.hpp>

namespace flow::singer {

std::optional<nlohmann::json> parse_metric_line(std::string_view line) {
  constexpr std::string_view kMarker = "METRIC: ";
  auto at = line.find(kMarker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view body = line.substr(at + kMarker.size());
  auto metric = flow::shims::parse_json(body);
  if (!metric.is_object() || !(metric.contains("metric") || metric.contains("type"))) {
    return std::nullopt;
  }
  return metric;
}

void forward_tap_stderr_line(std::string_view line) {
  if (auto metric = parse_metric_line(line)) {
    flow::log::info("tap metric", {{"stats", std::move(*metric)}, {"source", "child stderr"}});
    return;
  }
  auto entry = flow::shims::parse_stderr_line(line);
  if (entry.message.find_first_not_of(" \t") == std::string::npos) {
    return;
  }
  // singer-python writes "LEVEL message": the level is already parsed, drop the word.
  for (std::string_view word :
       {"DEBUG ", "INFO ", "WARNING ", "WARN ", "ERROR ", "CRITICAL ", "FATAL "}) {
    if (entry.message.compare(0, word.size(), word) == 0) {
      entry.message.erase(0, word.size());
      break;
    }
  }
  flow::log::write(entry.level, entry.message, entry.fields);
}

}  // namespace flow::singer
