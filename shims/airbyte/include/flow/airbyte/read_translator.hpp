// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <flow/airbyte/message_logging.hpp>
#include <flow/airbyte/state_translation.hpp>
#include <flow/line_reader.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

/// The per-line translation of an Airbyte `read` into Flow capture output.
namespace flow::airbyte {

/// How a binding's documents get `_meta.row_id`.
enum class RowIdMode {
  none,        ///< keyed by the source's key: no row_id
  per_sweep,   ///< full_refresh keyed by /_meta/row_id: restarts at 0 each sweep
  persistent,  ///< incremental keyed by /_meta/row_id: continues from the stored rowId
};

/// One bound stream of the read, in Open binding order.
struct ReadBinding {
  std::string name;
  std::string ns;  ///< "" = none
  std::string state_key;
  RowIdMode row_id = RowIdMode::none;
};

/// Where translated output goes (flow::capture::Output in the shim, a recorder in tests).
class ReadSink {
 public:
  ReadSink() = default;
  ReadSink(const ReadSink&) = delete;
  ReadSink& operator=(const ReadSink&) = delete;
  ReadSink(ReadSink&&) = delete;
  ReadSink& operator=(ReadSink&&) = delete;
  virtual ~ReadSink() = default;
  virtual void captured(std::uint32_t binding, std::string_view doc_json) = 0;
  /// One document given as two consecutive pieces (the document is head + tail), so a raw
  /// record never has to be copied just to splice `_meta` into it. The default joins them.
  virtual void captured_spliced(std::uint32_t binding,
                                std::string_view head,
                                std::string_view tail) {
    std::string joined;
    joined.reserve(head.size() + tail.size());
    joined.append(head).append(tail);
    captured(binding, joined);
  }
  /// A checkpoint whose state is a merge patch.
  virtual void checkpoint(std::string_view merge_patch_json) = 0;
};

/// Cold-path events the shim acts on.
class ReadEvents {
 public:
  ReadEvents() = default;
  ReadEvents(const ReadEvents&) = delete;
  ReadEvents& operator=(const ReadEvents&) = delete;
  ReadEvents(ReadEvents&&) = delete;
  ReadEvents& operator=(ReadEvents&&) = delete;
  virtual ~ReadEvents() = default;
  /// CONTROL / CONNECTOR_CONFIG: the complete updated config (plaintext; never log it).
  virtual void on_config_update(const nlohmann::json& config) = 0;
};

/// Translates the stdout lines of an Airbyte `read`, one at a time:
///  - RECORD → `captured`: the record's `data` spliced raw (simdjson On-Demand), with
///    `"_meta":{"op":"u"[,"row_id":N]}` appended before its closing brace; no
///    re-serialisation unless `data` already has a top-level `_meta`. Unknown streams are
///    logged once and skipped.
///  - STATE → a merge-patch checkpoint of only what changed (see StateTracker).
///  - LOG, TRACE → Flow log lines (see message_logging.hpp); CONTROL → ReadEvents.
///  - SPEC, CATALOG, CONNECTION_STATUS, unknown types, non-JSON lines → a warning.
/// A final line cut off mid-message (no '\n', not valid JSON) throws flow::Error.
///
/// Example:
///   ReadTranslator reader(bindings, open.state, sink, &events);
///   reader.begin_sweep();
///   while (auto line = child.next_stdout_line()) reader.handle(*line);
///   if (child_succeeded) reader.end_sweep();  // commits the trailing documents
class ReadTranslator {
 public:
  ReadTranslator(std::vector<ReadBinding> bindings,
                 const nlohmann::json& flow_state,
                 ReadSink& sink,
                 ReadEvents* events);

  /// Starts a sweep: per-sweep row ids restart at 0.
  void begin_sweep();
  void handle(const flow::Line& line);
  /// Ends a successful sweep with a checkpoint covering every document since the last one.
  void end_sweep();

  /// The child's last TRACE ERROR, or its last ERROR/FATAL log.
  [[nodiscard]] const std::optional<ChildError>& last_error() const noexcept { return last_error_; }
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t skipped_records() const noexcept { return skipped_; }
  [[nodiscard]] std::uint64_t states() const noexcept { return states_; }
  [[nodiscard]] const nlohmann::json& flow_state() const noexcept { return tracker_.flow_state(); }

 private:
  bool handle_record(simdjson::ondemand::document& doc, const flow::Line& line);
  void handle_cold(const flow::Line& line);
  void handle_cold_message(const nlohmann::json& message, const flow::Line& line);
  void handle_state(const nlohmann::json& state);
  void emit_document(std::uint32_t binding, std::string_view data);
  void emit_document_with_upstream_meta(std::uint32_t binding, std::string_view data);
  void emit_json_document(std::uint32_t binding, nlohmann::json doc);
  void handle_cold_record(const nlohmann::json& record, const flow::Line& line);
  std::optional<std::uint32_t> find_binding(std::string_view ns, std::string_view name);
  void warn_non_json(const flow::Line& line, std::string_view why);

  std::vector<ReadBinding> bindings_;
  ReadSink& sink_;
  ReadEvents* events_;
  StateTracker tracker_;
  std::vector<std::uint64_t> row_ids_;
  std::unordered_map<std::string, std::uint32_t> by_ns_and_name_;  // ns + '\0' + name
  std::unordered_map<std::string, std::uint32_t> by_unique_name_;
  std::set<std::string> warned_streams_;
  std::set<std::string> warned_states_;
  simdjson::ondemand::parser parser_;
  std::string lookup_scratch_;
  std::string doc_scratch_;
  std::optional<ChildError> last_error_;
  std::uint64_t records_ = 0;
  std::uint64_t skipped_ = 0;
  std::uint64_t states_ = 0;
};

}  // namespace flow::airbyte
