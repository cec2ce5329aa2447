// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <flow/codec.hpp>
#include <flow/error.hpp>
#include <flow/io_buffer_sizes.hpp>
#include <flow/json_util.hpp>
#include <flow/protocol/common.hpp>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Flow capture connectors. Subclass flow::capture::Connector, implement spec(), discover()
/// and pull(), and hand it to run(). The SDK speaks the protocol on stdin/stdout: it reads
/// requests until EOF, answers each in order, sends `opened` itself, and logs on stderr.
///
/// Example (a complete connector):
///   class Hello final : public flow::capture::Connector {
///     flow::capture::Spec spec(const flow::capture::SpecRequest&) override {
///       return {.config_schema = {{"type", "object"}},
///               .resource_config_schema = {{"type", "object"}},
///               .documentation_url = "https://example.com",
///               .resource_path_pointers = {"/name"}};
///     }
///     std::vector<flow::capture::DiscoveredBinding> discover(const flow::capture::Discover&)
///         override { return {{.recommended_name = "hi", .resource_config = {{"name", "hi"}},
///                             .document_schema = {{"type", "object"}}, .key = {"/n"}}}; }
///     void pull(const flow::capture::Open&, flow::capture::Output& out) override {
///       out.captured(0, R"({"n":1})");
///       out.checkpoint(R"({"done":true})");
///     }
///   };
///   int main(int argc, char** argv) { return flow::capture::run<Hello>(argc, argv); }
namespace flow::capture {

// ---- Requests (runtime → connector) ------------------------------------------------------

/// Spec request. Every process receives one with `config: {}` first (the runtime probes for
/// IAM requirements), so spec() must not validate the config.
struct SpecRequest {
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
};

struct Discover {
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  std::string name{};        ///< task name, when the runtime sends it
  std::string created_at{};  ///< "YYYY-MM-DD", when the runtime sends it
};

/// One binding of a CaptureSpec.
struct Binding {
  nlohmann::json resource_config = nlohmann::json::object();
  std::vector<std::string> resource_path{};
  CollectionSpec collection{};
  std::uint32_t backfill = 0;
  /// Stable key for this binding's state; it changes when the binding is re-backfilled, so
  /// keying per-binding state by it restarts exactly that binding.
  std::string state_key{};
};

struct CaptureSpec {
  std::string name{};
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  std::vector<Binding> bindings{};
  std::uint32_t interval_seconds = 0;
};

struct ValidateBinding {
  nlohmann::json resource_config = nlohmann::json::object();
  CollectionSpec collection{};
  std::uint32_t backfill = 0;
};

struct Validate {
  std::string name{};
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  std::vector<ValidateBinding> bindings{};
  std::optional<CaptureSpec> last_capture{};
  std::string last_version{};
};

struct Apply {
  CaptureSpec capture{};
  std::string version{};
  std::optional<CaptureSpec> last_capture{};
  std::string last_version{};
  nlohmann::json state = nlohmann::json::object();
};

struct Open {
  CaptureSpec capture{};
  std::string version{};
  RangeSpec range{};
  /// The reduced connector state from earlier checkpoints; `{}` on the first run.
  nlohmann::json state = nlohmann::json::object();
  /// The as-published (still encrypted) config, for restating in configUpdate events.
  nlohmann::json sealed_config{};
};

// ---- Responses (connector → runtime) -----------------------------------------------------

/// Spec response. The SDK adds `protocol: 3032023`.
struct Spec {
  nlohmann::json config_schema = nlohmann::json::object();
  nlohmann::json resource_config_schema = nlohmann::json::object();
  std::string documentation_url{};
  nlohmann::json oauth2{};  ///< null = none
  /// JSON pointers into a binding's resource config whose values form its resource path.
  std::vector<std::string> resource_path_pointers{};
};

struct DiscoveredBinding {
  std::string recommended_name{};
  nlohmann::json resource_config = nlohmann::json::object();
  nlohmann::json document_schema = nlohmann::json::object();
  std::vector<std::string> key{};  ///< JSON pointers
  bool disable = false;
  std::vector<std::string> resource_path{};  ///< optional
  bool is_fallback_key = false;
};

struct ValidatedBinding {
  std::vector<std::string> resource_path{};
};

struct Applied {
  std::string action_description{};  ///< "" means nothing was done
  std::optional<ConnectorState> state{};
};

// ---- Output ------------------------------------------------------------------------------

class Session;
}  // namespace flow::capture
namespace flow {
class OutputStream;
}  // namespace flow
namespace flow::capture {

/// Where pull() writes. Documents are buffered (about 1 MiB) and flushed at every checkpoint
/// and every non-document message; all documents since the previous checkpoint commit
/// together with the next one. Call it from one thread (the one running pull); producers on
/// several threads must serialise their calls so a checkpoint covers whole groups.
///
/// Example:
///   out.captured(0, R"({"id":1})");           // raw JSON: the fast path, no re-serialisation
///   out.captured(0, nlohmann::json{{"id", 2}});
///   out.checkpoint(R"({"cursor":2})");         // merge-patched into the stored state
class Output {
 public:
  /// Emits one document for binding `binding`. `doc_json` must be a compact JSON object
  /// with no newline (as simdjson's to_json_string or nlohmann's dump() produce).
  void captured(std::uint32_t binding, std::string_view doc_json);
  /// Emits one document given as consecutive pieces whose concatenation is the document, so
  /// a shim can splice fields into a raw document without first copying it:
  ///   out.captured(0, {R"({"a":1)", R"(,"_meta":{"op":"u"}})"});
  /// Documents past the output buffer's size skip the buffer and go out with one writev.
  void captured(std::uint32_t binding, std::initializer_list<std::string_view> pieces);
  /// The convenient path: serialises `doc` (exactly an nlohmann::json, so that strings and
  /// literals always take the raw overload above).
  void captured(std::uint32_t binding, const std::same_as<nlohmann::json> auto& doc) {
    captured_json(binding, doc);
  }
  /// Commits every document since the previous checkpoint, with a state update.
  void checkpoint(std::string_view state_json, bool merge_patch = true);
  void checkpoint(const std::same_as<nlohmann::json> auto& state, bool merge_patch = true) {
    checkpoint_json(state, merge_patch);
  }
  /// Reports the schema the source has for a binding's documents (must be a closed schema).
  void sourced_schema(std::uint32_t binding, const nlohmann::json& schema);

  /// Optional signals that a binding's backfill begins or is complete (`backfillBegin`,
  /// `backfillComplete`), which downstream tasks may use, e.g. to truncate what the binding
  /// wrote before. The runtime requires a backfill signal to stand alone in its checkpoint, so
  /// each call writes the signal followed by a checkpoint of its own with `state_json`
  /// (default: an empty merge patch, i.e. state unchanged). Call it when no document or
  /// sourced schema is pending (right after checkpoint(), or before any output). Only the
  /// shard whose range begins at keyBegin 0 may send these signals. Throws flow::Error, and
  /// writes nothing, for a pending document or schema, another shard, a binding out of range,
  /// or a state that is not a compact JSON object.
  ///
  /// Example:
  ///   out.backfill_begin(0);                             // its own checkpoint
  ///   for (const auto& row : rows) out.captured(0, row);  // the backfill's documents
  ///   out.checkpoint(R"({"t0":{"cursor":42}})");         // commits them
  ///   out.backfill_complete(0, R"({"t0":{"backfilled":true}})");
  void backfill_begin(std::uint32_t binding,
                      std::string_view state_json = "{}",
                      bool merge_patch = true);
  void backfill_complete(std::uint32_t binding,
                         std::string_view state_json = "{}",
                         bool merge_patch = true);

  /// True once the session should end: stdin closed, SIGTERM/SIGINT, or a protocol error on
  /// the acknowledgement reader. pull() should checkpoint what it has and return.
  [[nodiscard]] bool stopping() const noexcept;
  /// Sleeps up to `timeout`, waking early when stopping() becomes true. Returns stopping().
  bool wait_for_stop(std::chrono::milliseconds timeout) const;

  [[nodiscard]] std::size_t documents_since_checkpoint() const noexcept {
    return docs_since_checkpoint_;
  }
  [[nodiscard]] std::uint64_t checkpoints() const noexcept { return checkpoints_; }

 private:
  friend class Session;
  explicit Output(Session& session) : session_(session) {}
  void check_binding(std::uint32_t binding) const;
  void captured_json(std::uint32_t binding, const nlohmann::json& doc);
  void write_captured_line(OutputStream& stream,
                           std::uint32_t binding,
                           std::initializer_list<std::string_view> pieces,
                           std::size_t size);
  void write_captured_frame(OutputStream& stream,
                            std::uint32_t binding,
                            std::initializer_list<std::string_view> pieces,
                            std::size_t size);
  void checkpoint_json(const nlohmann::json& state, bool merge_patch);
  void backfill_signal(const char* kind,
                       std::uint32_t binding,
                       std::string_view state_json,
                       bool merge_patch);

  Session& session_;
  std::size_t docs_since_checkpoint_ = 0;
  bool schema_since_checkpoint_ = false;  ///< a sourced schema awaits the next checkpoint
  std::uint64_t checkpoints_ = 0;
  std::string scratch_;
  std::string header_;
};

// ---- Connector ---------------------------------------------------------------------------

/// The base class of a capture connector. Override the pure virtuals; the rest have
/// defaults. Overrides may be private: the SDK calls through the base class.
class Connector {
 public:
  Connector() = default;
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;
  Connector(Connector&&) = delete;
  Connector& operator=(Connector&&) = delete;
  virtual ~Connector() = default;

  virtual Spec spec(const SpecRequest& request) = 0;
  virtual std::vector<DiscoveredBinding> discover(const Discover& request) = 0;
  /// Default: one resource path per binding, from spec().resource_path_pointers.
  virtual std::vector<ValidatedBinding> validate(const Validate& request);
  /// Default: nothing to do.
  virtual Applied apply(const Apply& request);
  /// Whether the runtime should send `acknowledge` after each commit. Default false.
  virtual bool explicit_acknowledgements(const Open& request);
  /// Runs the capture. The SDK has already sent `opened`. Return when done (the runtime
  /// restarts a batch capture after intervalSeconds), or when out.stopping().
  virtual void pull(const Open& request, Output& out) = 0;
  /// `checkpoints` of this connector's checkpoints were committed. Called on the SDK's
  /// stdin reader thread while pull() runs, in explicit-acknowledgement mode only.
  virtual void acknowledge(std::uint32_t checkpoints);
};

/// The resource path for `resource_config`: the value at each pointer, in order. Strings are
/// taken as they are; other values as compact JSON; absent pointers are skipped.
std::vector<std::string> resource_path(const nlohmann::json& resource_config,
                                       const std::vector<std::string>& pointers);

/// How serve() runs, as for the materialize and derive kinds.
///
/// Example:
///   flow::capture::serve(connector, in_fd, out_fd, {.codec = flow::Codec::protobuf});
struct ServeOptions {
  /// The wire format (both directions); run() takes it from FLOW_RUNTIME_CODEC.
  Codec codec = Codec::json;
  /// Read block and flush threshold; the defaults suit production. Captured documents are
  /// also flushed at every checkpoint, whatever the threshold.
  IoBufferSizes buffers{};
};

/// Serves one protocol stream: requests from `in_fd`, responses to `out_fd`, until EOF or
/// the end of a pull. Returns 0; throws flow::Error (or what the connector throws) on failure.
/// Pure of process state, so tests drive it on pipes.
int serve(Connector& connector, int in_fd, int out_fd, const ServeOptions& options = {});
/// serve() with default buffers and `codec`.
int serve(Connector& connector, int in_fd, int out_fd, Codec codec);

/// The process wrapper: sets up logging from LOG_LEVEL, SIGTERM/SIGINT handling and
/// SIGPIPE, runs serve() on stdin/stdout with the codec FLOW_RUNTIME_CODEC names, and turns any
/// escaped exception into one final error log line and exit code 1. `--help`/`--version` print
/// usage and exit.
int run(Connector& connector, int argc, char** argv);

template <class C>
int run(int argc, char** argv) {
  C connector;
  return run(connector, argc, argv);
}

}  // namespace flow::capture
