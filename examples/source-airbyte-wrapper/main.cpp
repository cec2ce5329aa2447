// SPDX-License-Identifier: Apache-2.0
// source-airbyte-wrapper: a Flow capture connector that is an existing Airbyte source, adapted
// by flow::airbyte::CaptureShim and configured in code instead of on the command line.
//
// It wraps the Node source of the shim's live tests (tests/airbyte/faros-source, built on
// faros-airbyte-cdk). In a connector image the command would be the image's own entrypoint,
// e.g. {"python3", "/airbyte/integration_code/main.py"}. Set AIRBYTE_SOURCE to another
// command's path to wrap something else without rebuilding.
//
//   cd tests/airbyte/faros-source && npm ci        # once
//   source-airbyte-wrapper < requests.jsonl        # Flow protocol on stdin/stdout
#include <cstdlib>
#include <flow/airbyte/capture_shim.hpp>
#include <flow/airbyte/http_config_encryptor.hpp>
#include <memory>

#ifndef FAROS_SOURCE_JS
#define FAROS_SOURCE_JS "source.js"
#endif

int main(int argc, char** argv) {
  flow::airbyte::CaptureShimOptions options;
  const char* command = std::getenv("AIRBYTE_SOURCE");
  options.argv = command != nullptr ? std::vector<std::string>{command}
                                    : std::vector<std::string>{"node", FAROS_SOURCE_JS};

  // What the Airbyte spec does not say, or says wrong.
  options.spec.documentation_url = "https://go.estuary.dev/source-airbyte-wrapper";

  // `events` has no primary key, so it would fall back to /_meta/row_id; key it on its
  // natural key instead. Only `users` and `events` are enabled by discovery.
  options.discover.key_overrides["events"] = {"/kind", "/at"};
  options.discover.selected_streams = std::set<std::string>{"users", "events"};

  // Rotated credentials (CONTROL / CONNECTOR_CONFIG) are sealed and persisted through
  // Estuary's config-encryption service when CONFIG_ENCRYPTION_URL names one.
  if (const char* url = std::getenv("CONFIG_ENCRYPTION_URL"); url != nullptr) {
    options.encryptor = std::make_shared<flow::airbyte::HttpConfigEncryptor>(url);
  }
  options.idle_timeout = std::chrono::minutes(10);

  flow::airbyte::CaptureShim shim(std::move(options));
  return flow::capture::run(shim, argc, argv);
}
