// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <flow/capture.hpp>
#include <flow/singer/catalog.hpp>
#include <flow/singer/read_translator.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

/// Runs any Singer tap (any language, as a child process) as a Flow capture connector.
///
/// Example (a complete main.cpp):
///   int main(int argc, char** argv) {
///     flow::singer::CaptureShim shim({.argv = {"tap-csv"}});
///     return flow::capture::run(shim, argc, argv);
///   }
namespace flow::singer {

struct CaptureShimOptions {
  std::vector<std::string> argv = {};  ///< the tap command; no shell
  std::map<std::string, std::string> env = {};
  std::string working_directory = {};  ///< empty: ours
  /// The config schema; nullopt: from `--about --format json`, else a permissive object.
  std::optional<nlohmann::json> config_schema = std::nullopt;
  std::string documentation_url = "https://docs.estuary.dev";
  /// How the tap takes its catalog; nullopt: detected from `--help`.
  std::optional<CatalogFlag> catalog_flag = std::nullopt;
  /// Mark discovered schemas x-infer-schema.
  bool schema_inference = true;
  /// Run `--discover` at open so the tap gets its own catalog entries back (taps such as
  /// tap-postgres need their metadata); otherwise the catalog is built from the collections.
  bool discover_on_open = true;
  /// Validate also runs the tap's `--test` mode (Meltano SDK taps).
  bool validate_with_test = false;
  ReadOptions read = {};
  /// Kill a tap that prints nothing for this long (0 = never).
  std::chrono::milliseconds idle_timeout{0};
  /// SIGTERM → SIGKILL grace when the session stops.
  std::chrono::milliseconds stop_grace{10000};
};

class CaptureShim : public flow::capture::Connector {
 public:
  explicit CaptureShim(CaptureShimOptions options);

  flow::capture::Spec spec(const flow::capture::SpecRequest& request) override;
  std::vector<flow::capture::DiscoveredBinding> discover(
      const flow::capture::Discover& request) override;
  std::vector<flow::capture::ValidatedBinding> validate(
      const flow::capture::Validate& request) override;
  void pull(const flow::capture::Open& request, flow::capture::Output& out) override;

 private:
  struct TapRun {
    std::string stdout_text;
    bool success = false;
    std::string failure;  ///< failure_message() when !success
  };
  /// Runs the tap with `args` to completion, collecting all of its stdout. A `probe`'s
  /// stderr is logged at debug level only.
  TapRun run_to_end(const std::vector<std::string>& args, bool probe = false) const;
  /// `--config F --discover`, parsed. Throws flow::Error when the tap fails.
  nlohmann::json run_discover(const nlohmann::json& config) const;
  CatalogFlag catalog_flag();

  CaptureShimOptions options_;
  std::mutex mutex_;
  std::optional<nlohmann::json> config_schema_;
  std::optional<CatalogFlag> catalog_flag_;
};

}  // namespace flow::singer
