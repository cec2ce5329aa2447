// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// CONTROL / CONNECTOR_CONFIG support: merging, validating, redacting and sealing configs.
namespace flow::airbyte {

/// The config after an update: each top-level key the update carries replaces the old one;
/// the other keys stay.
///
/// Example:
///   merge_config_update({{"a",1},{"token","old"}}, {{"token","new"}})  // {"a":1,"token":"new"}
nlohmann::json merge_config_update(const nlohmann::json& current, const nlohmann::json& update);

/// Validates `config` against a JSON schema (draft 7, valijson). Returns one message per
/// violation, naming its location ("/depth: missing required property"); empty when valid.
/// Messages never quote the config's values, so they are safe to log.
std::vector<std::string> validate_config(const nlohmann::json& config,
                                         const nlohmann::json& schema);

/// A copy of `config` with every value whose schema says `secret: true` (or
/// `airbyte_secret: true`) replaced by "REDACTED". oneOf/anyOf/allOf branches count, so a
/// secret in any branch is redacted.
nlohmann::json redact_secrets(const nlohmann::json& config, const nlohmann::json& schema);

/// Seals (encrypts) the secret fields of a config so it can travel in a configUpdate event.
///
/// Example:
///   class MySealer final : public flow::airbyte::ConfigEncryptor {
///     nlohmann::json seal(const nlohmann::json& config, const nlohmann::json& schema) override;
///   };
class ConfigEncryptor {
 public:
  ConfigEncryptor() = default;
  ConfigEncryptor(const ConfigEncryptor&) = delete;
  ConfigEncryptor& operator=(const ConfigEncryptor&) = delete;
  ConfigEncryptor(ConfigEncryptor&&) = delete;
  ConfigEncryptor& operator=(ConfigEncryptor&&) = delete;
  virtual ~ConfigEncryptor() = default;
  /// Returns the sealed config. Throws flow::Error on failure; the message must not quote
  /// the config.
  virtual nlohmann::json seal(const nlohmann::json& config, const nlohmann::json& schema) = 0;
};

}  // namespace flow::airbyte
