// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: helpers for writing responses, shared by capture, materialize and derive.

#include <flow/json_writer.hpp>
#include <flow/protocol/common.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace flow::detail {

/// Writes a JSON value compactly (nlohmann dump, no newline). Never writes a raw newline.
void write_json(JsonWriter& writer, const nlohmann::json& value);
/// Writes `{"updated":…,"mergePatch":…}`. mergePatch false is omitted (proto3 default).
void write_connector_state(JsonWriter& writer, const ConnectorState& state);
/// Writes the common Spec response body fields: protocol, configSchema,
/// resourceConfigSchema, documentationUrl, oauth2 (when not null).
void write_spec_common(JsonWriter& writer,
                       const nlohmann::json& config_schema,
                       const nlohmann::json& resource_config_schema,
                       const std::string& documentation_url,
                       const nlohmann::json& oauth2);

}  // namespace flow::detail
