// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

/// Logging in Flow's stderr format: one JSON object per line,
///   {"ts":"2026-01-02T03:04:05.678Z","level":"info","message":"…","fields":{…}}
/// with lowercase levels the runtime's log decoder accepts (never "critical").
///
/// It runs on spdlog: init() installs a stderr logger with a Flow JSON formatter as spdlog's
/// default, so plain `spdlog::info("x {}", 1)` calls come out as Flow lines too.
///
/// Example:
///   flow::log::init();                       // level from LOG_LEVEL (default info)
///   flow::log::info("capture started", {{"bindings", 3}});
///   flow::log::connector_status("Backfilling 3 tables");
namespace flow::log {

enum class Level { trace, debug, info, warn, error };

/// Parses a LOG_LEVEL value: trace|debug|info|warn|error, any case; "warning" and
/// "fatal"/"panic" are accepted as aliases. nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);
/// The lowercase name Flow expects.
std::string_view level_name(Level level);

/// Installs the Flow JSON logger on stderr as spdlog's default logger, at LOG_LEVEL (or info).
/// Safe to call more than once.
void init();
void set_level(Level level);
[[nodiscard]] Level level();
[[nodiscard]] bool enabled(Level level);

/// Writes one log line. `fields` must be a JSON object or null.
void write(Level level, std::string_view message, const nlohmann::json& fields = nullptr);

inline void trace(std::string_view m, const nlohmann::json& f = nullptr) {
  write(Level::trace, m, f);
}
inline void debug(std::string_view m, const nlohmann::json& f = nullptr) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, const nlohmann::json& f = nullptr) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, const nlohmann::json& f = nullptr) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, const nlohmann::json& f = nullptr) {
  write(Level::error, m, f);
}

/// A user-facing status line for the Flow UI: an info log with fields.eventType =
/// "connectorStatus".
void connector_status(std::string_view message, nlohmann::json fields = nlohmann::json::object());

/// Asks the platform to persist an updated endpoint config: an info log with
/// fields.eventType = "configUpdate" and fields.config = `sealed_config`. The config must
/// already have its secrets sealed (encrypted); plaintext secrets must never reach a log.
void config_update(std::string_view message, const nlohmann::json& sealed_config);

/// Formats one Flow log line (without the trailing newline). Pure; used by the formatter.
std::string format_line(std::chrono::system_clock::time_point ts,
                        Level level,
                        std::string_view message,
                        const nlohmann::json& fields);

}  // namespace flow::log
