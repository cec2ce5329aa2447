// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/log.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// Airbyte LOG and TRACE messages → Flow log lines and status events: pure mapping.
namespace flow::airbyte {

/// One Flow log line to write. `status` makes it a connectorStatus event.
struct LogEntry {
  flow::log::Level level = flow::log::Level::info;
  std::string message;
  nlohmann::json fields = nlohmann::json::object();
  bool status = false;
};

/// What a child said about why it failed, kept for the final error.
struct ChildError {
  std::string message;       ///< user-facing
  std::string failure_type;  ///< TRACE ERROR's system_error | config_error | transient_error
};

/// Maps a LOG message body (`{"level","message","stack_trace"?}`): FATAL and ERROR → error,
/// WARN → warn, INFO → info, DEBUG → debug, TRACE → trace; stack_trace is kept as a field.
///
/// Example:
///   auto entry = map_log({{"level","WARN"},{"message","slow"}});  // warn "slow"
LogEntry map_log(const nlohmann::json& log);

/// Maps a TRACE message body to the log lines it becomes:
///  - ERROR → an error line with failure_type, internal_message, stack_trace and
///    stream_descriptor as fields, plus a connectorStatus event;
///  - ESTIMATE → an info line "progress estimate";
///  - STREAM_STATUS → an info line (INCOMPLETE: warn); each RATE_LIMITED reason also a
///    connectorStatus event;
///  - ANALYTICS → a debug line; anything else → a warn line. Never fatal.
std::vector<LogEntry> map_trace(const nlohmann::json& trace);

/// The user-facing failure a TRACE ERROR describes, or nullopt for other traces.
/// config_error: its message; otherwise the message plus the internal message.
std::optional<ChildError> trace_error(const nlohmann::json& trace);

/// Writes entries with flow::log.
void write_entries(const std::vector<LogEntry>& entries);

}  // namespace flow::airbyte
