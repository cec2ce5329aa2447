// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <flow/frame_reader.hpp>
#include <flow/line_reader.hpp>
#include <flow/process/child_process.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "flow-local/catalog.hpp"
#include "flow-local/console.hpp"
#include "flow-local/protobuf_transcoder.hpp"

/// The client side of one connector process: spawns the `local:` command (no shell), writes
/// requests to its stdin, hands back its stdout lines (numbered from 1: the "message number"
/// conformance errors cite), and pumps its stderr into the Console on a background thread.
///
/// The codec is the endpoint's (`protobuf: true`, PROTOCOL.md §1.4–1.5), and stays at this
/// boundary: requests are given and responses handed back as JSON lines under both, and under
/// protobuf each is transcoded to or from a frame (ProtobufTranscoder). A connector answering
/// in the other codec is one ConnectorError saying which setting to change.
///
/// Ending: close_stdin() ends the session the way the runtime does; stop_after() does it from
/// a timer (for --timeout) and then kills the child after a grace period; finish() waits for
/// the exit (killing it after `grace`) and reaps it.
///
/// Example:
///   ConnectorProcess connector(endpoint, console, "info");
///   connector.send_internal_spec();
///   connector.send(R"({"spec":{"connectorType":"LOCAL","config":{}}})");
///   connector.close_stdin();
///   while (auto line = connector.next_line()) { ... line->text, line->number ... }
///   auto status = connector.finish(std::chrono::seconds(5));
namespace flow::local {

/// Every request is preceded by this, as the runtime does (PROTOCOL.md §1.2).
inline constexpr std::string_view kInternalSpecRequest =
    R"({"spec":{"connectorType":"LOCAL","config":{}}})";

/// The connector could not be started, or failed (non-zero exit, crash).
class ConnectorError : public flow::Error {
 public:
  using flow::Error::Error;
};

class ConnectorProcess {
 public:
  /// Spawns the connector with `endpoint.env` plus LOG_LEVEL and LOG_FORMAT=json, in the
  /// flow.yaml's directory (FLOW_RUNTIME_CODEC is not set: the runtime does not tell a local
  /// connector its codec either). Throws ConnectorError when the command cannot be started.
  ConnectorProcess(const LocalEndpoint& endpoint, Console& console, const std::string& log_level);
  ConnectorProcess(const ConnectorProcess&) = delete;
  ConnectorProcess& operator=(const ConnectorProcess&) = delete;
  ConnectorProcess(ConnectorProcess&&) = delete;
  ConnectorProcess& operator=(ConnectorProcess&&) = delete;
  /// Kills a child still running and joins the threads.
  ~ConnectorProcess();

  /// Writes `request` (one JSON object) and a newline, or under protobuf its frame. After stdin
  /// was closed, or if the connector has exited (broken pipe: the runtime tolerates it too),
  /// the request is dropped and false returned. Thread-safe.
  bool send(std::string_view request);
  void send_internal_spec() { send(kInternalSpecRequest); }
  /// Closes the connector's stdin (EOF: "no more requests"). Idempotent.
  void close_stdin();
  [[nodiscard]] bool stdin_closed() const;

  /// At `deadline`, closes stdin; `grace` later, kills the child if it is still running.
  void stop_after(std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds grace);
  /// Ends the session now: closes stdin and kills the child if it has not exited `grace` later.
  void end_session(std::chrono::milliseconds grace);
  /// True once stop_after()'s deadline has passed and stdin was closed by it.
  [[nodiscard]] bool stopped_by_timer() const;

  /// The next response as a JSON line (under protobuf: the next frame, transcoded), or
  /// nullopt at EOF. Valid until the next call. `number` is the message number. Throws
  /// ConnectorError when the output is in the other codec or is not a valid frame.
  std::optional<flow::Line> next_line();

  /// Appended to a "connector failed" error: when the connector failed before answering
  /// anything, the codec setting that may be the cause; else empty.
  [[nodiscard]] std::string codec_hint() const;

  /// Closes stdin, waits for the child to exit (SIGKILL after `grace`), joins the stderr pump,
  /// and returns how it ended.
  flow::process::ExitStatus finish(std::chrono::milliseconds grace);

  /// The program name for messages ("source-hello-world").
  [[nodiscard]] const std::string& program() const { return program_; }

 private:
  void supervise();

  Console& console_;
  std::string program_;
  flow::process::ChildProcess child_;
  bool protobuf_;
  bool env_says_protobuf_;  // FLOW_RUNTIME_CODEC in the endpoint's env names protobuf
  std::optional<flow::LineReader> lines_;           // JSON codec
  std::optional<flow::FrameReader> frames_;         // protobuf codec
  std::unique_ptr<ProtobufTranscoder> transcoder_;  // protobuf codec
  std::string frame_;                               // the request being written (protobuf)
  std::size_t responses_ = 0;                       // messages handed out by next_line()
  std::thread stderr_pump_;

  std::mutex stdin_mutex_;    // serialises writes to and closing of the child's stdin
  mutable std::mutex mutex_;  // guards the fields below and child_ signalling / reaping
  std::condition_variable cv_;
  bool stdin_closed_ = false;
  bool reaped_ = false;
  bool shutting_down_ = false;
  std::atomic<bool> stopped_by_timer_ = false;  // read per stdout line: no lock
  std::optional<std::chrono::steady_clock::time_point> stop_at_;
  bool stop_is_timeout_ = true;  // stop_at_ came from stop_after(), not end_session()
  std::chrono::milliseconds stop_grace_{0};
  std::thread supervisor_;
};

}  // namespace flow::local
