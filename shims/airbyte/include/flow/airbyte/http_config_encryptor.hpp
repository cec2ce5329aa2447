// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <flow/airbyte/config_update.hpp>
#include <string>

namespace flow::airbyte {

/// A ConfigEncryptor that POSTs `{"config": <config>, "schema": <config schema>}` as JSON to
/// a config-encryption service (Estuary's is
/// https://config-encryption.estuary.dev/v1/encrypt-config) and returns the JSON document it
/// answers with (the config with its secrets sealed by sops). Uses libcurl; any status but 200, or
/// a body that is not a JSON object, is an error.
///
/// Example:
///   flow::airbyte::HttpConfigEncryptor
///   sealer("https://config-encryption.estuary.dev/v1/encrypt-config"); nlohmann::json sealed =
///   sealer.seal(config, spec.config_schema);
class HttpConfigEncryptor final : public ConfigEncryptor {
 public:
  explicit HttpConfigEncryptor(std::string url,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));
  nlohmann::json seal(const nlohmann::json& config, const nlohmann::json& schema) override;

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace flow::airbyte
