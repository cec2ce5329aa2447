// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

/// Spec translation: the tap's settings schema → Flow's configSchema, and the
/// resourceConfigSchema every Singer binding uses.
///
/// Example:
///   auto schema = flow::singer::config_schema_from_about(about_stdout);   // Meltano taps
///   if (!schema) schema = flow::singer::permissive_config_schema();
namespace flow::singer {

/// The `settings` JSON schema from `tap --about --format json` output, or nullopt when the
/// output is not an about document with an object `settings` schema.
std::optional<nlohmann::json> config_schema_from_about(std::string_view about_stdout);

/// `{"type":"object"}` with a description saying the tap's settings are not known.
nlohmann::json permissive_config_schema();

/// The resource config of a Singer binding: tap_stream_id (the resource path), stream,
/// replication_method (FULL_TABLE, INCREMENTAL, LOG_BASED), replication_key, and optional
/// field selection (`fields`: the properties to select; absent selects all).
nlohmann::json resource_config_schema();

}  // namespace flow::singer
