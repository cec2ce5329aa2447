// SPDX-License-Identifier: Apache-2.0
#include "core/response_encoder.hpp"

#include <flow/version.hpp>

namespace flow::detail {

void write_json(JsonWriter& writer, const nlohmann::json& value) {
  writer.raw(value.dump());
}

void write_connector_state(JsonWriter& writer, const ConnectorState& state) {
  writer.begin_object().key("updated");
  write_json(writer, state.updated.is_null() ? nlohmann::json::object() : state.updated);
  if (state.merge_patch) {
    writer.key("mergePatch").boolean(true);
  }
  writer.end_object();
}

void write_spec_common(JsonWriter& writer,
                       const nlohmann::json& config_schema,
                       const nlohmann::json& resource_config_schema,
                       const std::string& documentation_url,
                       const nlohmann::json& oauth2) {
  writer.key("protocol").number(kProtocolVersion);
  writer.key("configSchema");
  write_json(writer, config_schema);
  writer.key("resourceConfigSchema");
  write_json(writer, resource_config_schema);
  if (!documentation_url.empty()) {
    writer.key("documentationUrl").string(documentation_url);
  }
  if (!oauth2.is_null()) {
    writer.key("oauth2");
    write_json(writer, oauth2);
  }
}

}  // namespace flow::detail
