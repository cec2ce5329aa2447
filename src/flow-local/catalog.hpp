// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <flow/error.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

/// The flow.yaml catalog as flow-local sees it: captures, materializations and collections
/// (with derivations) from a root file and everything it imports. Relative paths (imports,
/// config files, schema files, a connector command like `../build/my-connector`) are resolved
/// against the directory of the file that names them.
///
/// Example:
///   auto catalog = flow::local::Catalog::load("examples/source-hello-world/test.flow.yaml");
///   const auto& capture = catalog.capture(std::nullopt);   // the only capture
///   const auto& coll = catalog.collection(capture.bindings[0].target);
namespace flow::local {

/// The protocol a connector speaks: that of the task whose endpoint runs it.
enum class Protocol { capture, materialize, derive };

/// A `local:` endpoint: the connector command, its config (inline or read from a file), env,
/// and its codec (`protobuf: true`: length-prefixed protobuf frames, else JSON lines).
struct LocalEndpoint {
  std::vector<std::string> command;  ///< argv; argv[0] made absolute if it was a relative path
  nlohmann::json config = nlohmann::json::object();
  std::map<std::string, std::string> env;
  bool protobuf = false;
  Protocol protocol = Protocol::capture;  ///< from the task: capture, materialization, derive
  std::string working_directory;          ///< directory of the flow.yaml that declared the endpoint
};

struct CollectionDef {
  std::string name;
  nlohmann::json write_schema;  ///< `schema`, or `writeSchema`
  nlohmann::json read_schema;   ///< `readSchema`, or null
  std::vector<std::string> key;
  nlohmann::json derive;  ///< the raw `derive:` stanza (derivations only), else null
  std::string source_file;
};

struct CaptureBinding {
  nlohmann::json resource = nlohmann::json::object();
  std::string target;  ///< collection name
  bool disable = false;
  std::uint32_t backfill = 0;
};

struct CaptureDef {
  std::string name;
  LocalEndpoint endpoint;
  std::vector<CaptureBinding> bindings;  ///< every binding, including disabled ones
  std::uint32_t interval_seconds = 300;
  std::string source_file;  ///< absolute path of the flow.yaml that declares it
};

/// A materialization; its bindings are kept as JSON (`source`, `resource`, `fields`, …) for
/// the materialize verbs to interpret.
struct MaterializationDef {
  std::string name;
  LocalEndpoint endpoint;
  nlohmann::json bindings = nlohmann::json::array();
  nlohmann::json raw;  ///< the whole stanza as written
  std::string source_file;
};

/// Thrown for a catalog the user must fix (bad YAML, a missing file, an unknown task).
class CatalogError : public flow::ConfigError {
 public:
  using flow::ConfigError::ConfigError;
};

enum class TaskKind { capture, materialization, derivation };

class Catalog {
 public:
  /// Loads `path` and its imports. Throws CatalogError.
  static Catalog load(const std::string& path);

  /// The capture named `name`, or the only capture when `name` is empty/nullopt.
  [[nodiscard]] const CaptureDef& capture(const std::optional<std::string>& name) const;
  [[nodiscard]] const MaterializationDef& materialization(
      const std::optional<std::string>& name) const;
  [[nodiscard]] const CollectionDef& collection(const std::string& name) const;
  /// The kind of task `name`, or of the only task when `name` is empty. Throws CatalogError.
  [[nodiscard]] std::pair<TaskKind, std::string> find_task(
      const std::optional<std::string>& name) const;

  [[nodiscard]] const std::string& root_file() const { return root_file_; }
  [[nodiscard]] const std::map<std::string, CaptureDef>& captures() const { return captures_; }
  [[nodiscard]] const std::map<std::string, MaterializationDef>& materializations() const {
    return materializations_;
  }
  [[nodiscard]] const std::map<std::string, CollectionDef>& collections() const {
    return collections_;
  }

 private:
  void load_file(const std::string& absolute_path, std::vector<std::string>& stack);

  std::string root_file_;
  std::vector<std::string> loaded_files_;
  std::map<std::string, CaptureDef> captures_;
  std::map<std::string, MaterializationDef> materializations_;
  std::map<std::string, CollectionDef> collections_;
};

/// Parses a `local:` endpoint stanza declared in a file in `base_dir`, for a task speaking
/// `protocol`. `task` names the task in error messages. Throws CatalogError.
LocalEndpoint parse_local_endpoint(const nlohmann::json& endpoint,
                                   const std::string& base_dir,
                                   const std::string& task,
                                   Protocol protocol);

/// Reads a whole file; throws CatalogError("<what> not found: <path>") when it cannot.
std::string read_text_file(const std::string& path, const std::string& what);

/// Resolves `path` against `base_dir` unless it is absolute.
std::string resolve_path(const std::string& base_dir, const std::string& path);

/// Parses a Flow duration ("30s", "5m", "1h30m", "250ms", "2h"). nullopt when malformed.
std::optional<std::uint64_t> parse_duration_ms(const std::string& text);

}  // namespace flow::local
