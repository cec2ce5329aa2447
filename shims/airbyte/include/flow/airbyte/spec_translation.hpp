// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/capture.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

/// Airbyte SPEC → Flow spec response: pure translation, no I/O.
namespace flow::airbyte {

/// Overrides a connector wrapper may apply on top of what the Airbyte source declares.
struct SpecOverrides {
  /// Replaces `documentationUrl` when set.
  std::optional<std::string> documentation_url;
  /// A complete Flow OAuth2 object; wins over anything derived from the Airbyte spec.
  std::optional<nlohmann::json> oauth2;
  /// The OAuth2 `provider` name when it is derived from `advanced_auth` (default: from the
  /// consent URL's host, e.g. "airtable" for https://airtable.com/oauth2/v1/authorize).
  std::optional<std::string> oauth2_provider;
  /// An RFC 7396 merge patch applied to the connectionSpecification before translation.
  std::optional<nlohmann::json> config_schema_patch;
};

/// Translates an Airbyte `ConnectorSpecification` (the `spec` object of a SPEC message) into
/// a Flow capture Spec:
///  - configSchema: connectionSpecification with `airbyte_secret: true` → `secret: true` and
///    Airbyte-only keywords stripped (see clean_config_schema);
///  - resourceConfigSchema: resource_config_schema(); resourcePathPointers /namespace, /stream;
///  - documentationUrl: the override, else the spec's;
///  - oauth2: the override, else translate_oauth2().
/// Throws flow::Error when `connectionSpecification` is missing or not an object.
///
/// Example:
///   auto spec = flow::airbyte::translate_spec(message["spec"], {});
///   // spec.config_schema["properties"]["api_key"]["secret"] == true
flow::capture::Spec translate_spec(const nlohmann::json& airbyte_spec,
                                   const SpecOverrides& overrides);

/// Returns a copy of an Airbyte config JSON schema fit for Flow: every `airbyte_secret` becomes
/// `secret`, and the Airbyte UI keywords Flow does not know are removed (`airbyte_hidden`,
/// `always_show`, `group`, `groups`, `pattern_descriptor`, `airbyte_type`,
/// `path_in_connector_config`). Only schema positions are rewritten: a property that is
/// *named* `group` stays.
///
/// Example:
///   clean_config_schema({{"type","string"},{"airbyte_secret",true},{"always_show",true}})
///   // == {"type":"string","secret":true}
nlohmann::json clean_config_schema(const nlohmann::json& schema);

/// The resource config schema of every Airbyte-backed binding:
/// `{stream, syncMode, namespace?, cursorField?}` (additionalProperties false).
nlohmann::json resource_config_schema();

}  // namespace flow::airbyte
