// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <simdjson.h>

#include <common/json_validator.hpp>
#include <cstddef>
#include <cstdint>
#include <flow/line_reader.hpp>
#include <flow/singer/state.hpp>
#include <flow/singer/version_tracker.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

/// The read path: each line a tap writes on stdout → Flow captures, checkpoints and sourced
/// schemas. Pure of processes and of the Flow session: it writes to a ReadSink.
///
/// Example:
///   flow::singer::ReadTranslator reader(bindings, open.state, {}, sink);
///   run_tap_with_state(reader.tap_state());
///   while (auto line = tap.next_stdout_line()) reader.process(*line);
///   reader.finish();   // the tap exited 0: the final checkpoint
namespace flow::singer {

/// Where the translator's output goes (a flow::capture::Output in the shim, a recorder in
/// tests).
class ReadSink {
 public:
  ReadSink() = default;
  ReadSink(const ReadSink&) = delete;
  ReadSink& operator=(const ReadSink&) = delete;
  ReadSink(ReadSink&&) = delete;
  ReadSink& operator=(ReadSink&&) = delete;
  virtual ~ReadSink() = default;
  /// One document: a compact JSON object with no newline.
  virtual void captured(std::uint32_t binding, std::string_view doc) = 0;
  /// Commits every document since the previous checkpoint; `patch` is an RFC 7396 merge
  /// patch of the Flow state.
  virtual void checkpoint(const nlohmann::json& patch) = 0;
  virtual void sourced_schema(std::uint32_t binding, const nlohmann::json& schema) = 0;
};

/// A bound stream, in binding order.
struct ReadBinding {
  std::string tap_stream_id;
  std::string stream;
  std::string state_key;
  std::vector<std::string> key;  ///< the collection key (JSON pointers)
  std::string replication_method = "FULL_TABLE";
};

struct ReadOptions {
  /// Records of streams with no binding: skipped with one warning per stream (true), or an
  /// error (false).
  bool skip_unknown_streams = true;
  /// A RECORD before its stream's SCHEMA is an error (true) or accepted (false).
  bool require_schema = true;
  /// Keys tracked per binding for ACTIVATE_VERSION deletions; past it, deletions of that
  /// version are skipped (and logged).
  std::size_t max_version_keys = 100000;
};

/// Counters for the closing log line and for tests.
struct ReadStats {
  std::uint64_t records = 0;
  std::uint64_t batch_records = 0;
  std::uint64_t deletions = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t sourced_schemas = 0;
  std::uint64_t skipped_records = 0;
};

class ReadTranslator {
 public:
  ReadTranslator(std::vector<ReadBinding> bindings,
                 const nlohmann::json& flow_state,
                 ReadOptions options,
                 ReadSink& sink);

  /// The state to hand the tap with --state (`{}` when there is none).
  [[nodiscard]] nlohmann::json tap_state() const { return states_.tap_state(); }

  /// Handles one line of the tap's stdout. Throws flow::Error naming the line for malformed
  /// JSON, a message without a type, a RECORD before its SCHEMA, an unknown stream (unless
  /// skipped), or an unreadable BATCH file.
  void process(const Line& line);

  /// The tap exited 0: completes ACTIVATE_VERSIONs that came before their records, and
  /// writes the final checkpoint.
  void finish();

  [[nodiscard]] const ReadStats& stats() const noexcept { return stats_; }

 private:
  struct Stream {
    Stream(ReadBinding b, std::size_t max_version_keys)
        : binding(std::move(b)), versions(max_version_keys) {}
    ReadBinding binding;
    std::int64_t next_row_id = 0;
    bool row_id_dirty = false;
    bool schema_seen = false;
    std::string schema_digest;
    bool schema_dirty = false;
    bool keyed_by_row_id = false;
    VersionTracker versions;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  void fail(std::string_view message) const;
  std::uint32_t* find_stream(std::string_view name);
  /// One line. The hot path validates a RECORD's record while it reads the message (one
  /// parse); if that walk fails, the line is read again with `inline_validation` off, so
  /// the error (or the tolerance of a non-RECORD message) is that of the two-pass reading.
  void process_line(const Line& line, bool inline_validation);
  /// `record_has_meta` is set when the record was validated already (and says whether it has
  /// its own top-level `_meta`); otherwise the record is validated here.
  void process_record(std::uint32_t binding,
                      std::string_view record,
                      std::size_t record_capacity,
                      std::string_view time_extracted,
                      std::optional<std::int64_t> version,
                      std::optional<bool> record_has_meta = std::nullopt);
  void process_cold(std::string_view type, const Line& line);
  void on_schema(const nlohmann::json& message);
  void on_state(const nlohmann::json& message);
  void on_activate_version(const nlohmann::json& message);
  void on_batch(const nlohmann::json& message);
  std::uint32_t binding_of(const nlohmann::json& message, std::string_view type);
  void activate(std::uint32_t binding, std::int64_t version);
  void emit_checkpoint(nlohmann::json patch);
  std::string extract_key(const Stream& stream,
                          std::string_view record,
                          std::size_t capacity,
                          std::int64_t row_id);

  std::vector<Stream> streams_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> index_;
  StateTranslator states_;
  ReadOptions options_;
  ReadSink& sink_;
  ReadStats stats_;

  simdjson::ondemand::parser parser_;
  simdjson::ondemand::parser key_parser_;
  flow::shims::JsonValidator validator_;
  std::string scratch_;
  std::string key_scratch_;
  std::string last_stream_;
  std::uint32_t last_binding_ = 0;
  bool has_last_ = false;
  std::size_t line_number_ = 0;
  std::string where_ = "tap stdout";
  std::set<std::string> warned_streams_;
  std::set<std::string> warned_types_;
};

}  // namespace flow::singer
