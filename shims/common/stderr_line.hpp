// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/log.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace flow::shims {

/// A child's stderr line, mapped to a Flow log entry.
// nlohmann::json's noexcept move is flagged by clang-tidy through its internal asserts.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct StderrLog {
  flow::log::Level level = flow::log::Level::info;
  std::string message;
  nlohmann::json fields;  ///< always an object; has "source":"child stderr"
};

/// Maps one stderr line of a child to a Flow log entry.
///  - A JSON object with a level ("level"/"lvl"/"levelname"/"severity") and a message
///    ("message"/"msg") keeps them (Python names too: WARNING→warn, CRITICAL/FATAL→error);
///    its other keys (and a "fields" object) become fields.
///  - A plain line opening with an upper-case level word ("INFO ...", "WARNING: ...",
///    "ERROR:root:...", Singer's "INFO METRIC: ...") takes that level; message = the line.
///  - Anything else: message = the line; level error when it matches
///    /error|failed|panic|timeout|unable|unrecogni[sz]ed/i (Flow's rule), else info.
/// A trailing '\r' is dropped.
///
/// Example:
///   auto entry = flow::shims::parse_stderr_line(R"({"level":"WARNING","msg":"slow"})");
///   flow::log::write(entry.level, entry.message, entry.fields);
StderrLog parse_stderr_line(std::string_view line);

/// Flow's rule for unstructured lines: /error|failed|panic|timeout|unable|unrecogni[sz]ed/i.
bool looks_like_error(std::string_view text) noexcept;

}  // namespace flow::shims
