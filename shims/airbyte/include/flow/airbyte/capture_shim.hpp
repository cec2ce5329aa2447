// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <flow/airbyte/config_update.hpp>
#include <flow/airbyte/discover_translation.hpp>
#include <flow/airbyte/read_translator.hpp>
#include <flow/airbyte/spec_translation.hpp>
#include <flow/capture.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace flow::airbyte {

/// How to run and adapt one Airbyte source.
struct CaptureShimOptions {
  /// The Airbyte source command; the shim appends `spec`, `check --config …`, etc.
  std::vector<std::string> argv;
  /// Extra environment for the child.
  std::map<std::string, std::string> env;
  /// Docs URL, oauth2 (override object or provider name), config-schema patch.
  SpecOverrides spec;
  /// Key overrides, stream selection, schema inference.
  DiscoverOptions discover;
  /// Continuous mode: re-run `read` this long after each sweep, in the same session, until
  /// stdin closes or SIGTERM. 0: one sweep, then exit (the runtime restarts the capture).
  std::chrono::milliseconds interval{0};
  /// Fail a child that writes nothing (stdout or stderr) for this long. 0: never.
  std::chrono::milliseconds idle_timeout{0};
  /// Between SIGTERM and SIGKILL when stopping a child.
  std::chrono::milliseconds stop_grace{10000};
  /// Seals configs sent in configUpdate events. Null: updates are used in this process only.
  std::shared_ptr<ConfigEncryptor> encryptor;
};

/// A Flow capture connector that runs an Airbyte source as a child process through the Airbyte
/// CLI (`spec`, `check`, `discover`, `read`), translating each way. Every request runs the
/// child again; config, catalog and state go to 0600 files in a private temp dir that is
/// removed on every exit path.
///
/// Example (a connector's main.cpp):
///   flow::airbyte::CaptureShim shim({.argv = {"python3", "/airbyte/main.py"},
///                                    .spec = {.documentation_url = "https://go.estuary.dev/x"}});
///   return flow::capture::run(shim, argc, argv);
class CaptureShim : public flow::capture::Connector, private ReadEvents {
 public:
  explicit CaptureShim(CaptureShimOptions options);

  flow::capture::Spec spec(const flow::capture::SpecRequest& request) override;
  std::vector<flow::capture::DiscoveredBinding> discover(
      const flow::capture::Discover& request) override;
  std::vector<flow::capture::ValidatedBinding> validate(
      const flow::capture::Validate& request) override;
  void pull(const flow::capture::Open& request, flow::capture::Output& out) override;

  /// The config the child runs with now: Open's, plus CONTROL updates of this process.
  [[nodiscard]] nlohmann::json current_config() const;

 private:
  void on_config_update(const nlohmann::json& config) override;
  const nlohmann::json& airbyte_spec();
  nlohmann::json run_discover(const nlohmann::json& config);
  bool run_sweep(const flow::capture::Open& open,
                 ReadTranslator& reader,
                 const nlohmann::json& catalog,
                 flow::capture::Output& out);

  CaptureShimOptions options_;
  std::optional<nlohmann::json> airbyte_spec_;  // the child's SPEC, run once per process
  std::function<bool()> stopping_;              // set during pull()
  mutable std::mutex config_mutex_;
  nlohmann::json config_ = nlohmann::json::object();
};

}  // namespace flow::airbyte
