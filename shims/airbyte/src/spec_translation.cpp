// SPDX-License-Identifier: Apache-2.0
#include <flow/airbyte/oauth2_translation.hpp>
#include <flow/airbyte/spec_translation.hpp>
#include <flow/error.hpp>
#include <string_view>

namespace flow::airbyte {
namespace {

// Airbyte UI keywords that mean nothing to Flow's schema tooling.
bool is_airbyte_only_keyword(std::string_view key) {
  return key == "airbyte_hidden" || key == "always_show" || key == "group" || key == "groups" ||
         key == "pattern_descriptor" || key == "airbyte_type" || key == "path_in_connector_config";
}

// Keywords whose value is a map of name → schema.
bool is_schema_map_keyword(std::string_view key) {
  return key == "properties" || key == "patternProperties" || key == "definitions" ||
         key == "$defs" || key == "dependencies" || key == "dependentSchemas";
}

// Keywords whose value is a schema, or an array of schemas.
bool is_schema_keyword(std::string_view key) {
  return key == "items" || key == "additionalItems" || key == "additionalProperties" ||
         key == "oneOf" || key == "anyOf" || key == "allOf" || key == "not" || key == "if" ||
         key == "then" || key == "else" || key == "contains" || key == "propertyNames" ||
         key == "prefixItems" || key == "unevaluatedProperties" || key == "unevaluatedItems";
}

nlohmann::json clean_schema_or_array(const nlohmann::json& value) {
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) {
      out.push_back(clean_config_schema(item));
    }
    return out;
  }
  return clean_config_schema(value);
}

}  // namespace

nlohmann::json clean_config_schema(const nlohmann::json& schema) {
  if (!schema.is_object()) {
    return schema;  // true/false schemas, or a dependencies array of names
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : schema.items()) {
    if (is_airbyte_only_keyword(key)) {
      continue;
    }
    if (key == "airbyte_secret") {
      if (value == true) {
        out["secret"] = true;
      }
      continue;
    }
    if (is_schema_map_keyword(key) && value.is_object()) {
      nlohmann::json map = nlohmann::json::object();
      for (const auto& [name, sub] : value.items()) {
        map[name] = clean_schema_or_array(sub);
      }
      out[key] = std::move(map);
    } else if (is_schema_keyword(key)) {
      out[key] = clean_schema_or_array(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

nlohmann::json resource_config_schema() {
  // Field for field the schema of Estuary's Airbyte shim, so resource configs written for
  // it (including a stray `_meta`) stay valid.
  return nlohmann::json::parse(R"({
    "title": "ResourceConfig",
    "description": "ResourceConfig encodes a configured resource stream",
    "type": "object",
    "properties": {
      "_meta": {"title": "Meta", "type": "object"},
      "stream": {"title": "Stream", "description": "Name of this stream", "type": "string"},
      "syncMode": {"title": "Sync Mode",
                   "description": "Sync this resource incrementally, or fully refresh it every run",
                   "enum": ["full_refresh", "incremental"], "type": "string"},
      "namespace": {"title": "Namespace",
                    "description": "Enclosing schema namespace of this resource", "type": "string"},
      "cursorField": {"title": "Cursor Field", "type": "array", "items": {"type": "string"}}
    },
    "required": ["stream", "syncMode"],
    "additionalProperties": false
  })");
}

flow::capture::Spec translate_spec(const nlohmann::json& airbyte_spec,
                                   const SpecOverrides& overrides) {
  if (!airbyte_spec.is_object()) {
    throw flow::Error("airbyte SPEC: `spec` is not an object");
  }
  auto found = airbyte_spec.find("connectionSpecification");
  if (found == airbyte_spec.end() || !found->is_object()) {
    throw flow::Error("airbyte SPEC: `connectionSpecification` is missing or not an object");
  }
  nlohmann::json connection = *found;
  if (overrides.config_schema_patch) {
    connection.merge_patch(*overrides.config_schema_patch);
  }

  flow::capture::Spec spec;
  spec.config_schema = clean_config_schema(connection);
  spec.resource_config_schema = resource_config_schema();
  if (overrides.documentation_url) {
    spec.documentation_url = *overrides.documentation_url;
  } else if (auto url = airbyte_spec.find("documentationUrl");
             url != airbyte_spec.end() && url->is_string()) {
    spec.documentation_url = url->get<std::string>();
  }
  spec.oauth2 = overrides.oauth2 ? *overrides.oauth2
                                 : translate_oauth2(airbyte_spec, overrides.oauth2_provider);
  spec.resource_path_pointers = {"/namespace", "/stream"};
  return spec;
}

}  // namespace flow::airbyte
