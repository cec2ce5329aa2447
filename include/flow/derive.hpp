// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <flow/codec.hpp>
#include <flow/io_buffer_sizes.hpp>
#include <flow/protocol/common.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Flow derivations. Subclass flow::derive::Connector, implement spec(), validate() and read(),
/// and hand it to run(). The SDK speaks the derive protocol on stdin/stdout: it answers spec
/// and validate, sends `opened` after open(), calls read() for every source document, and at
/// the end of each transaction calls flush() and start_commit() and sends `flushed` and
/// `startedCommit` itself.
///
/// Example (a complete pass-through derivation):
///   class PassThrough final : public flow::derive::Connector {
///     flow::derive::Spec spec(const flow::derive::SpecRequest&) override {
///       return {.config_schema = {{"type", "object"}},
///               .lambda_config_schema = {{"type", "object"}},
///               .documentation_url = "https://example.com"};
///     }
///     flow::derive::Validated validate(const flow::derive::Validate& v) override {
///       return {.transforms = std::vector<flow::derive::ValidatedTransform>(v.transforms.size())};
///     }
///     void read(const flow::derive::Read& r, flow::derive::Publisher& out) override {
///       out.publish(r.doc);  // raw JSON: no copy, no re-serialisation
///     }
///   };
///   int main(int argc, char** argv) { return flow::derive::run<PassThrough>(argc, argv); }
namespace flow::derive {

// ---- Requests (runtime → connector) ------------------------------------------------------

/// Spec request. Like every connector, a derivation may first receive one with `config: {}`,
/// so spec() must not validate the config.
struct SpecRequest {
  std::string connector_type{};  ///< "IMAGE", "LOCAL", ...
  nlohmann::json config = nlohmann::json::object();
};

/// One transform of a derivation as Validate describes it.
struct ValidateTransform {
  std::string name{};
  CollectionSpec collection{};                     ///< the source collection it reads
  nlohmann::json shuffle_lambda_config = nullptr;  ///< null when absent
  nlohmann::json lambda_config = nullptr;          ///< null when absent
  std::uint32_t backfill = 0;
};

struct Validate {
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  CollectionSpec collection{};  ///< the derived collection
  std::vector<ValidateTransform> transforms{};
  std::vector<std::string> shuffle_key_types{};  ///< "BOOLEAN" | "INTEGER" | "STRING"
  std::string project_root{};                    ///< file:// URL of the catalog's project
  std::map<std::string, std::string> import_map{};
  std::optional<CollectionSpec> last_collection{};
  std::string last_version{};
};

/// One transform of the derivation being run (CollectionSpec.derivation.transforms[]).
struct Transform {
  std::string name{};
  CollectionSpec collection{};                     ///< the source collection
  std::vector<std::string> shuffle_key{};          ///< JSON pointers; empty when a lambda shuffles
  nlohmann::json shuffle_lambda_config = nullptr;  ///< null when absent
  nlohmann::json lambda_config = nullptr;          ///< null when absent
  bool read_only = false;
  std::uint32_t backfill = 0;
  std::string state_key{};
};

/// CollectionSpec.derivation: how the derived collection is computed.
struct Derivation {
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  std::vector<Transform> transforms{};
  std::vector<std::string> shuffle_key_types{};
};

struct Open {
  CollectionSpec collection{};  ///< the derived collection
  Derivation derivation{};
  std::string version{};
  RangeSpec range{};
  /// The reduced state of earlier state updates; `{}` on the first run.
  nlohmann::json state = nlohmann::json::object();
};

/// A document's UUID parts. `clock` is the document's publication clock (a 60-bit count of
/// 100ns ticks since 1582-10-15 in the high bits, a sequence counter in the low 4 bits).
struct UuidParts {
  std::uint64_t node = 0;
  std::uint64_t clock = 0;
};

/// One source document. Every view points into the request line and is valid only during
/// the read() call: copy what you keep.
struct Read {
  std::uint32_t transform = 0;  ///< index into Open::derivation.transforms
  /// The document, raw compact JSON. At least flow::LineReader::kLinePadding readable bytes
  /// follow it (the rest of the line and the reader's padding), so simdjson can parse it in
  /// place: `parser.iterate(doc.data(), doc.size(), doc.size() + LineReader::kLinePadding)`.
  std::string_view doc{};
  /// The document's shuffle key as a raw JSON array (e.g. `["alice"]`); empty when the
  /// runtime did not send it (lambda shuffles). A runtime that sends the key only packed as
  /// an FDB tuple (`shuffle.packed`: the protobuf codec, older runtimes) gets it decoded
  /// into the same JSON array, under either codec.
  std::string_view shuffle_key{};
  std::uint32_t shuffle_hash = 0;
  UuidParts uuid{};
};

// ---- Responses (connector → runtime) -----------------------------------------------------

/// Spec response. The SDK adds `protocol: 3032023`.
struct Spec {
  nlohmann::json config_schema = nlohmann::json::object();
  /// Schema of each transform's lambda config (sent as `resourceConfigSchema`).
  nlohmann::json lambda_config_schema = nlohmann::json::object();
  std::string documentation_url{};
  nlohmann::json oauth2 = nullptr;  ///< null = none
};

struct ValidatedTransform {
  /// True if the transform only reads: its documents never produce published documents.
  bool read_only = false;
};

/// Validate response: exactly one entry per request transform, in the same order.
struct Validated {
  std::vector<ValidatedTransform> transforms{};
  /// Files the catalog build should write (absolute URL → content), e.g. generated stubs
  /// under Validate::project_root.
  std::map<std::string, std::string> generated_files{};
};

// ---- Publisher ---------------------------------------------------------------------------

class Session;

/// Where read() and flush() publish derived documents. Documents are buffered and written
/// before `flushed`; the runtime combines them by the derived collection's key. Usable only
/// during a read() or flush() call.
///
/// Example:
///   out.publish(R"({"account":"alice","total":12})");  // raw JSON: the fast path
///   out.publish(nlohmann::json{{"account", "bob"}, {"total", 3}});
class Publisher {
 public:
  /// Publishes one document. `doc_json` must be one compact JSON value with no newline (as
  /// simdjson's to_json_string or nlohmann's dump() produce); it is spliced verbatim.
  void publish(std::string_view doc_json);
  /// Raw JSON too (these overloads keep strings from converting to a JSON string value).
  void publish(const std::string& doc_json) { publish(std::string_view(doc_json)); }
  void publish(const char* doc_json) { publish(std::string_view(doc_json)); }
  /// Serialises `doc` (compact) and publishes it: convenient, but slower than raw JSON.
  void publish(const nlohmann::json& doc);

  /// Documents published in the current transaction.
  [[nodiscard]] std::size_t published_in_transaction() const noexcept { return published_; }

 private:
  friend class Session;
  explicit Publisher(Session& session) : session_(session) {}

  Session& session_;
  std::size_t published_ = 0;
  std::string scratch_{};
};

// ---- Connector ---------------------------------------------------------------------------

/// The base class of a derivation connector. Override the pure virtuals; the rest have
/// defaults. Overrides may be private: the SDK calls through the base class.
///
/// Lifecycle of one session: open() → { read()* → flush() → start_commit() }* with reset()
/// possibly between transactions (catalog tests only).
class Connector {
 public:
  Connector() = default;
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;
  Connector(Connector&&) = delete;
  Connector& operator=(Connector&&) = delete;
  virtual ~Connector() = default;

  virtual Spec spec(const SpecRequest& request) = 0;
  /// Must return one ValidatedTransform per request transform (the SDK checks this).
  virtual Validated validate(const Validate& request) = 0;
  /// Starts a session; restore in-memory state from request.state here. Default: nothing.
  virtual void open(const Open& request);
  /// One source document. Publish derived documents now, or keep state and publish at flush.
  virtual void read(const Read& request, Publisher& out) = 0;
  /// The transaction's reads are done: publish what is pending. Default: nothing.
  virtual void flush(Publisher& out);
  /// The transaction is committing: return the state update that goes with it (usually a
  /// merge patch of what changed), or nullopt for none. The runtime stores it atomically with
  /// the transaction's published documents and hands the reduced state to the next open().
  /// Called once per transaction, after flush() (see StateDelivery for exactly when).
  /// Default: nullopt.
  virtual std::optional<ConnectorState> start_commit();
  /// Catalog tests only: forget all internal state, as if freshly opened. Default: nothing.
  virtual void reset();
};

// ---- Serving -----------------------------------------------------------------------------

/// Where the state update of a transaction travels.
///
/// kStartedCommit (the default) is what the runtime in production today (the "V1" derive
/// runtime, crates/runtime) reads: it persists `startedCommit.state` and ignores
/// `flushed.state`. kFlushed is for the newer "V2" runtime, which sends startCommit only to
/// connectors that returned opened.runtimeCheckpoint and takes state from `flushed.state`.
///
/// In kStartedCommit mode the SDK notices a runtime that moves on after `flushed` without a
/// startCommit (V2): if start_commit() then has no state update, serving continues in kFlushed
/// mode; if it does, that state could not be delivered and serve() fails with a ProtocolError
/// telling the operator to set FLOW_DERIVE_STATE_DELIVERY=flushed.
///
/// Not exposed (yet): V2's `flush.statePatches` (other shards' patches; ignored) and
/// `flushed.more` (never set), and the deprecated `opened.runtimeCheckpoint`.
enum class StateDelivery { kStartedCommit, kFlushed };

/// Parses a FLOW_DERIVE_STATE_DELIVERY value: "started-commit" or "flushed" (any case).
std::optional<StateDelivery> parse_state_delivery(std::string_view text);

struct ServeOptions {
  StateDelivery state_delivery = StateDelivery::kStartedCommit;
  /// The wire format; run() takes it from FLOW_RUNTIME_CODEC.
  Codec codec = Codec::json;
  /// Read block and flush threshold; the defaults suit production.
  IoBufferSizes buffers{};
};

/// Serves one protocol stream: requests from `in_fd`, responses to `out_fd`, until EOF.
/// Returns 0; throws flow::ProtocolError for requests that break the protocol (with the stdin
/// line number), flow::Error for I/O failures, or what the connector throws. Pure of process
/// state, so tests drive it on pipes.
int serve(Connector& connector, int in_fd, int out_fd, const ServeOptions& options = {});

/// The process wrapper: sets up logging from LOG_LEVEL, the state delivery mode from
/// FLOW_DERIVE_STATE_DELIVERY, SIGPIPE, runs serve() on stdin/stdout, and turns any escaped
/// exception into one final Flow-format error log line and exit code 1. `--help`/`--version`
/// print usage and exit 0.
int run(Connector& connector, int argc, char** argv);

template <class C>
int run(int argc, char** argv) {
  C connector;
  return run(connector, argc, argv);
}

}  // namespace flow::derive
