// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/log.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

/// Everything flow-local writes to stderr: the connector's log lines passed through, its own
/// messages, and the in-place progress line. Thread-safe (the connector's stderr is pumped by
/// a background thread).
///
/// Two formats: `json` passes connector log lines through verbatim and writes its own lines in
/// Flow's JSON log format; otherwise lines are pretty-printed ("INFO  message  key=value"),
/// coloured when stderr is a terminal.
///
/// Example:
///   flow::local::Console console({.json = false, .tty = isatty(2) != 0});
///   console.connector_line(R"({"level":"info","message":"hi","fields":{"n":1}})");
///   console.message(flow::log::Level::error, "connector exited", {{"code", 1}});
namespace flow::local {

struct ConsoleOptions {
  bool json = false;  ///< --log-json
  bool tty = false;   ///< stderr is a terminal: colours and the progress line
};

class Console {
 public:
  explicit Console(ConsoleOptions options);

  /// One line the connector wrote on stderr.
  void connector_line(std::string_view line);
  /// One message of flow-local itself.
  void message(flow::log::Level level,
               std::string_view text,
               const nlohmann::json& fields = nullptr);
  /// Replaces the progress line (TTY only; ignored otherwise).
  void progress(std::string_view line);
  /// Removes the progress line, if any.
  void clear_progress();

  /// The last connector log message (what the runtime would report if the connector fails).
  [[nodiscard]] std::string last_connector_message() const;
  /// Forgets the last connector message (at the start of a new process).
  void reset_last_connector_message();

  [[nodiscard]] bool tty() const { return options_.tty; }
  [[nodiscard]] bool json() const { return options_.json; }

 private:
  void write_locked(std::string_view text);
  void erase_progress_locked();
  void redraw_progress_locked();

  ConsoleOptions options_;
  mutable std::mutex mutex_;
  std::string progress_;
  std::string last_message_;
};

/// A connector stderr line decoded the way Flow's runtime does ("FlexLog"): JSON with
/// ts/level/message/fields (and aliases), or plain text with a level guessed from its words.
struct ConnectorLog {
  std::string level;  ///< trace|debug|info|warn|error
  std::string message;
  nlohmann::json fields = nlohmann::json::object();
};

/// Decodes one stderr line. Pure.
ConnectorLog decode_connector_log(std::string_view line);

/// "INFO  message  key=value key2=value2" (no colour, no newline). Pure.
std::string format_pretty(std::string_view level,
                          std::string_view message,
                          const nlohmann::json& fields,
                          bool colour);

}  // namespace flow::local
