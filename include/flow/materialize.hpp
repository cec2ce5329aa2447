// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <concepts>
#include <cstdint>
#include <flow/codec.hpp>
#include <flow/io_buffer_sizes.hpp>
#include <flow/protocol/common.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// Flow materialization connectors. Subclass flow::materialize::Connector, implement spec(),
/// validate() and store() (plus load() unless every binding is delta-updates), and hand it to
/// run(). The SDK owns the wire format and the transaction state machine (PROTOCOL.md §4):
/// it answers acknowledge/flush/startCommit itself, after calling your hooks, and rejects
/// out-of-order requests with flow::ProtocolError.
///
/// Example (an at-least-once materialization that prints documents to stderr):
///   class Print final : public flow::materialize::Connector {
///     flow::materialize::Spec spec(const flow::materialize::SpecRequest&) override {
///       return {.config_schema = {{"type", "object"}},
///               .resource_config_schema = {{"type", "object"}}};
///     }
///     std::vector<flow::materialize::ValidatedBinding> validate(
///         const flow::materialize::Validate& v) override {
///       std::vector<flow::materialize::ValidatedBinding> out;
///       for (const auto& b : v.bindings) {
///         out.push_back(flow::materialize::optional_everything(b, {b.collection.name}, true));
///       }
///       return out;
///     }
///     void store(const flow::materialize::Store& s) override {
///       std::fwrite(s.doc.data(), 1, s.doc.size(), stderr);
///     }
///   };
///   int main(int argc, char** argv) { return flow::materialize::run<Print>(argc, argv); }
namespace flow::materialize {

// ---- Specs --------------------------------------------------------------------------------

/// Which of a binding's projections are materialized. Keys and values of Load/Store arrive in
/// this order: `keys`, then `values`. The root document (field `document`) travels as `doc`.
struct FieldSelection {
  std::vector<std::string> keys{};
  std::vector<std::string> values{};
  std::string document{};  ///< field name of the root document, "" when not selected
  nlohmann::json field_config = nlohmann::json::object();  ///< field → config
};

/// One binding of a MaterializationSpec.
struct Binding {
  nlohmann::json resource_config = nlohmann::json::object();
  std::vector<std::string> resource_path{};
  CollectionSpec collection{};
  FieldSelection field_selection{};
  bool delta_updates = false;
  std::uint32_t backfill = 0;
  std::string state_key{};
};

struct MaterializationSpec {
  std::string name{};
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  std::vector<Binding> bindings{};
};

// ---- Requests (runtime → connector) -------------------------------------------------------

/// Every process first receives a Spec with `config: {}`; spec() must not validate config.
struct SpecRequest {
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
};

struct ValidateBinding {
  nlohmann::json resource_config = nlohmann::json::object();
  CollectionSpec collection{};
  nlohmann::json field_config = nlohmann::json::object();
  std::uint32_t backfill = 0;
  std::vector<std::string> group_by{};  ///< the key fields of the resulting field selection
};

struct Validate {
  std::string name{};
  std::string connector_type{};
  nlohmann::json config = nlohmann::json::object();
  std::vector<ValidateBinding> bindings{};
  std::optional<MaterializationSpec> last_materialization{};
  std::string last_version{};
};

struct Apply {
  MaterializationSpec materialization{};
  std::string version{};
  std::optional<MaterializationSpec> last_materialization{};
  std::string last_version{};
  nlohmann::json state = nlohmann::json::object();
};

struct Open {
  MaterializationSpec materialization{};
  std::string version{};
  RangeSpec range{};
  nlohmann::json state = nlohmann::json::object();  ///< reduced connector state; `{}` at first
  /// The as-published (still encrypted) config, for restating in configUpdate events
  /// (flow::log::config_update); null when the runtime did not send it.
  nlohmann::json sealed_config{};
};

/// A key to look up. All views are valid only during the load() call.
struct Load {
  std::uint32_t binding = 0;
  std::string_view key{};  ///< JSON array, one element per field_selection.keys
  std::span<const std::string_view> key_fields{};  ///< each key element's JSON text
  std::string_view key_packed{};  ///< FDB tuple bytes when the runtime sent keyPacked, else ""
};

/// A document to write. All views point into the request line (or an SDK buffer) and are
/// valid only during the store() call: copy what you keep.
struct Store {
  std::uint32_t binding = 0;
  std::string_view key{};     ///< JSON array, one element per field_selection.keys
  std::string_view values{};  ///< JSON array, one element per field_selection.values
  std::span<const std::string_view> key_fields{};    ///< each key element's JSON text
  std::span<const std::string_view> value_fields{};  ///< each value element's JSON text
  std::string_view doc{};         ///< the full document, "" when no document field is selected
  std::string_view key_packed{};  ///< FDB tuple bytes when the runtime sent keyPacked, else ""
  bool exists = false;            ///< the key was loaded or stored before: an update, not an insert
  bool is_delete = false;         ///< delete the key (Flow's `delete` flag)
};

struct Flush {
  nlohmann::json state_patches =
      nullptr;  ///< [NEW] other shards' acknowledged patches; null if absent
};

struct StartCommit {
  /// The runtime checkpoint (consumer.Checkpoint) as JSON text; "{}" when absent.
  /// Destination-authoritative connectors store it with the transaction's data.
  std::string_view runtime_checkpoint{};
  nlohmann::json state_patches = nullptr;
};

struct Acknowledge {
  nlohmann::json state_patches = nullptr;
};

// ---- Responses (connector → runtime) ------------------------------------------------------

/// Spec response. The SDK adds `protocol: 3032023`. (No resourcePathPointers: they are a
/// capture field, rejected in a materialize Spec by older runtimes.)
struct Spec {
  nlohmann::json config_schema = nlohmann::json::object();
  /// Annotate the resource name location with `x-collection-name: true` and an optional
  /// delta-updates boolean with `x-delta-updates: true`.
  nlohmann::json resource_config_schema = nlohmann::json::object();
  std::string documentation_url{};
  nlohmann::json oauth2 = nullptr;  ///< null = none
};

enum class ConstraintType {
  field_required,        ///< this exact field must be selected
  location_required,     ///< some projection of this location must be selected
  location_recommended,  ///< deprecated: same as field_optional
  field_optional,        ///< may be selected
  field_forbidden,       ///< cannot be materialized
  incompatible,          ///< supported only after a backfill
};

struct Constraint {
  ConstraintType type = ConstraintType::field_optional;
  std::string reason{};
  std::string folded_field{};  ///< the endpoint's folded name, "" when it equals the field
};

struct FieldConstraint {
  std::string field{};
  Constraint constraint{};
};

struct ValidatedBinding {
  std::vector<std::string> resource_path{};
  /// One entry per projection field; fields absent here are implicitly forbidden.
  std::vector<FieldConstraint> constraints{};
  bool delta_updates = false;
  bool case_insensitive_fields = false;
};

struct Applied {
  std::string action_description{};  ///< "" when nothing changed
  std::optional<ConnectorState> state{};
};

struct Opened {
  /// The checkpoint the destination holds (destination-authoritative), as JSON; null = none.
  nlohmann::json runtime_checkpoint = nullptr;
  bool disable_load_optimization = false;
};

/// Where load() and flush() report found documents. Usable only inside those calls (the SDK
/// rejects a `loaded` at any other time, e.g. during stores).
///
/// Example:
///   void load(const Load& l, Loaded& out) override {
///     if (auto doc = lookup(l.key)) out.loaded(l.binding, *doc);
///   }
class Loaded {
 public:
  virtual ~Loaded() = default;
  /// Sends one found document; `doc_json` is compact JSON without newlines.
  virtual void loaded(std::uint32_t binding, std::string_view doc_json) = 0;
  /// Sends a document built with nlohmann::json (cold path: it is serialised here).
  template <class Json>
  requires std::same_as<Json, nlohmann::json>
  void loaded(std::uint32_t binding, const Json& doc) {
    const std::string text = doc.dump();
    loaded(binding, std::string_view(text));
  }
};

// ---- Connector ----------------------------------------------------------------------------

/// The base class of a materialization. Override the pure virtuals; the others have
/// defaults. Calls arrive on one thread in protocol order:
///   spec | validate | apply (unary), or open, then per transaction:
///   acknowledge, load*, flush, store*, start_commit.
/// For crash safety derive from one of the strategies in <flow/materialize/strategies.hpp>.
///
/// Example (a key-value store; see the namespace comment for a complete program):
///   void load(const Load& l, Loaded& out) override {
///     if (auto doc = kv_.get(l.key)) out.loaded(l.binding, *doc);
///   }
///   void store(const Store& s) override {
///     s.is_delete ? kv_.erase(s.key) : kv_.put(s.key, s.doc);
///   }
class Connector {
 public:
  Connector() = default;
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;
  Connector(Connector&&) = delete;
  Connector& operator=(Connector&&) = delete;
  virtual ~Connector() = default;

  virtual Spec spec(const SpecRequest& request) = 0;
  /// One ValidatedBinding per request binding, in order.
  virtual std::vector<ValidatedBinding> validate(const Validate& request) = 0;
  /// Creates or updates the destination's resources. Must be idempotent. Default: nothing.
  virtual Applied apply(const Apply& request);
  /// Starts a session. Returns the checkpoint the destination holds, if it keeps one.
  virtual Opened open(const Open& request);
  /// The previous transaction committed (or, first time, the one recovered at open).
  /// Default: nothing. Its state, if any, is sent non-transactionally with `acknowledged`.
  virtual std::optional<ConnectorState> acknowledge(const Acknowledge& request);
  /// Looks up one key; report it through `out` if found (now or at flush). Never called for
  /// delta-updates bindings. Default: throws (a binding that cannot load must be
  /// delta-updates).
  virtual void load(const Load& request, Loaded& out);
  /// All loads of the transaction are in; report any still-pending found documents.
  /// The returned state is durably written before any Store is sent. Default: nothing.
  virtual std::optional<ConnectorState> flush(const Flush& request, Loaded& out);
  /// Writes one document. Nothing may be sent to the runtime while stores arrive.
  virtual void store(const Store& request) = 0;
  /// All stores are in: commit (or stage) the transaction. The returned state commits
  /// atomically with the runtime checkpoint. Default: nothing.
  virtual std::optional<ConnectorState> start_commit(const StartCommit& request);
};

/// How `validated` encodes constraints: the `projectionConstraints` list (current runtimes,
/// materialize.proto at edf36493 and what live connectors emit), or the `constraints` map
/// (older runtimes, materialize.proto 8173932f, which reject the list). run() reads the
/// environment variable FLOW_VALIDATED_CONSTRAINTS=list|map; the default is list.
enum class ConstraintsForm { list, map };

struct ServeOptions {
  ConstraintsForm constraints_form = ConstraintsForm::list;
  /// The wire format; run() takes it from FLOW_RUNTIME_CODEC.
  Codec codec = Codec::json;
  /// Read block and flush threshold; the defaults suit production.
  IoBufferSizes buffers{};
};

/// Serves one protocol stream: requests from `in_fd`, responses to `out_fd`, until EOF.
/// Returns 0; throws flow::ProtocolError (with the stdin line) for protocol violations and
/// rethrows what the connector throws. Pure of process state, so tests drive it on pipes.
int serve(Connector& connector, int in_fd, int out_fd, const ServeOptions& options = {});

/// The process wrapper (shared with captures): LOG_LEVEL logging, SIGTERM/SIGINT, one final
/// error log line and exit code 1 on failure, `--help`/`--version`.
int run(Connector& connector, int argc, char** argv);

template <class C>
int run(int argc, char** argv) {
  C connector;
  return run(connector, argc, argv);
}

// ---- Helpers -------------------------------------------------------------------------------

/// A ValidatedBinding that allows every projection: the collection key fields and the root
/// document are LOCATION_REQUIRED (when `require_document`), fields with no types FORBIDDEN,
/// everything else FIELD_OPTIONAL. A starting point most destinations refine.
ValidatedBinding optional_everything(const ValidateBinding& binding,
                                     std::vector<std::string> resource_path,
                                     bool require_document,
                                     bool delta_updates = false);

/// Splits a JSON array's text into its elements' texts (appending to `out`); the input must be
/// valid JSON, such as a Store key. Allocation-free once `out` has capacity.
///
/// Example:
///   std::vector<std::string_view> parts;
///   flow::materialize::split_json_array(R"([1,"a,b",{"c":[2]}])", parts);
///   // parts == {"1", "\"a,b\"", "{\"c\":[2]}"}
void split_json_array(std::string_view array, std::vector<std::string_view>& out);

}  // namespace flow::materialize
