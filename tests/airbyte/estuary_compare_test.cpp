// SPDX-License-Identifier: Apache-2.0
// Our spec and discover translation against the snapshots of Estuary's own Airbyte shim
// (../shared/fixtures/estuary). Every difference is on purpose and named where it is
// normalised away:
//  1. configSchema: `airbyte_secret` becomes `secret` (Flow's own keyword; Estuary's shim
//     passed connectionSpecification through unchanged).
//  2. oauth2: Estuary hand-wrote it in each connector's __main__.py. Airtable declares
//     classic advanced_auth (no oauth_connector_input_specification, so no URLs): we
//     announce no oauth2 unless given an override, and with Estuary's object as the
//     override the spec matches byte for byte once parsed.
//  3. documentSchema `_meta`: ours declares `op` (always written) and `row_id` (required only
//     for keyless streams, where it is the key); Estuary's declared only `row_id`, required
//     everywhere, though keyed documents never needed it.
//  4. documentSchema `required`: ours adds `_meta` and every key location, and key
//     locations lose `null` from their types (Flow requires keys to exist).
#include <gtest/gtest.h>

#include <flow/airbyte/discover_translation.hpp>
#include <flow/airbyte/spec_translation.hpp>
#include <fstream>
#include <set>
#include <sstream>

namespace fa = flow::airbyte;
using nlohmann::json;

namespace {

json load(const std::string& relative) {
  std::ifstream file(std::string(FLOW_SHARED_DIR) + "/fixtures/estuary/" + relative);
  EXPECT_TRUE(file.good()) << relative;
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str());
}

json spec_json(const flow::capture::Spec& spec) {
  json out = {{"protocol", 3032023},
              {"configSchema", spec.config_schema},
              {"resourceConfigSchema", spec.resource_config_schema},
              {"documentationUrl", spec.documentation_url},
              {"resourcePathPointers", spec.resource_path_pointers}};
  if (!spec.oauth2.is_null()) {
    out["oauth2"] = spec.oauth2;
  }
  return out;
}

// Difference 1, applied to Estuary's output: its configSchema with airbyte_secret renamed.
json with_flow_secrets(json schema) {
  if (schema.is_object()) {
    if (schema.contains("airbyte_secret")) {
      schema["secret"] = schema["airbyte_secret"];
      schema.erase("airbyte_secret");
    }
    for (auto& [key, value] : schema.items()) {
      value = with_flow_secrets(value);
    }
  } else if (schema.is_array()) {
    for (auto& value : schema) {
      value = with_flow_secrets(value);
    }
  }
  return schema;
}

// The Airbyte stream an Estuary discovered binding was made from.
json airbyte_stream(const json& binding) {
  json schema = binding["documentSchema"];
  schema["properties"].erase("_meta");
  schema.erase("x-infer-schema");
  schema.erase("if");
  schema.erase("then");
  json stream = {{"name", binding["resourceConfig"]["stream"]}, {"json_schema", schema}};
  const bool incremental = binding["resourceConfig"]["syncMode"] == "incremental";
  stream["supported_sync_modes"] =
      incremental ? json::array({"full_refresh", "incremental"}) : json::array({"full_refresh"});
  if (binding["resourceConfig"].contains("cursorField")) {
    stream["default_cursor_field"] = binding["resourceConfig"]["cursorField"];
  }
  if (binding["key"] != json::array({"/_meta/row_id"})) {
    json key = json::array();
    for (const auto& pointer : binding["key"]) {
      key.push_back(json::array({pointer.get<std::string>().substr(1)}));
    }
    stream["source_defined_primary_key"] = key;
  }
  return stream;
}

// Differences 3 and 4, normalised away from both sides.
json comparable_schema(json schema) {
  schema["properties"].erase("_meta");
  if (schema.contains("required")) {
    std::set<std::string> required;
    for (const auto& r : schema["required"]) {
      if (r != "_meta") {
        required.insert(r.get<std::string>());
      }
    }
    schema["required"] = required;
  }
  for (auto& [name, property] : schema["properties"].items()) {
    if (property.contains("type") && property["type"].is_array()) {
      json kept = json::array();
      for (const auto& t : property["type"]) {
        if (t != "null") {
          kept.push_back(t);
        }
      }
      property["type"] = kept.size() == 1 ? kept[0] : kept;
    }
  }
  return schema;
}

void compare_discover(const std::string& connector) {
  const json expected = load(connector + "/flow-discover.json");
  json catalog = {{"streams", json::array()}};
  bool inference = false;
  for (const auto& binding : expected) {
    catalog["streams"].push_back(airbyte_stream(binding));
    inference = inference || binding["documentSchema"].contains("x-infer-schema");
  }
  fa::DiscoverOptions options;
  options.schema_inference = inference;
  auto result = fa::translate_catalog(catalog, options);
  EXPECT_TRUE(result.warnings.empty());
  ASSERT_EQ(result.bindings.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& ours = result.bindings[i];
    const auto& theirs = expected[i];
    SCOPED_TRACE(connector + " binding " + std::to_string(i));
    EXPECT_EQ(ours.recommended_name, theirs["recommendedName"]);
    EXPECT_EQ(ours.resource_config, theirs["resourceConfig"]);
    EXPECT_EQ(json(ours.key), theirs["key"]);
    EXPECT_FALSE(ours.disable);
    EXPECT_EQ(comparable_schema(ours.document_schema), comparable_schema(theirs["documentSchema"]));
    // Difference 3: what our _meta declares.
    const auto& meta = ours.document_schema["properties"]["_meta"];
    EXPECT_TRUE(meta["properties"].contains("op"));
    EXPECT_TRUE(meta["properties"].contains("row_id"));
    const bool keyless = theirs["key"] == json::array({"/_meta/row_id"});
    EXPECT_EQ(meta["required"], keyless ? json::array({"op", "row_id"}) : json::array({"op"}));
  }
}

}  // namespace

TEST(AirbyteEstuaryCompare, AirtableSpecMatchesWithTheOAuthOverride) {
  const json airbyte = load("airtable/airbyte-spec.json");
  const json expected = load("airtable/flow-spec.json")[0];
  // Difference 2: without an override, no oauth2 (the classic advanced_auth has no URLs).
  auto plain = spec_json(fa::translate_spec(airbyte, {}));
  EXPECT_FALSE(plain.contains("oauth2"));
  json without_oauth = expected;
  without_oauth.erase("oauth2");
  EXPECT_EQ(plain, without_oauth);
  fa::SpecOverrides overrides;
  overrides.oauth2 = expected["oauth2"];
  EXPECT_EQ(spec_json(fa::translate_spec(airbyte, overrides)), expected);
}

TEST(AirbyteEstuaryCompare, MixpanelSpecMatchesOnceSecretsAreFlowSecrets) {
  const json airbyte = load("mixpanel/airbyte-spec.json");
  json expected = load("mixpanel/flow-spec.json")[0];
  auto ours = spec_json(fa::translate_spec(airbyte, {}));
  EXPECT_NE(ours["configSchema"], expected["configSchema"]);  // difference 1 is real
  expected["configSchema"] = with_flow_secrets(expected["configSchema"]);
  EXPECT_EQ(ours, expected);
}

TEST(AirbyteEstuaryCompare, AirtableDiscover) {
  compare_discover("airtable");
}
TEST(AirbyteEstuaryCompare, MixpanelDiscover) {
  compare_discover("mixpanel");
}
TEST(AirbyteEstuaryCompare, LinkedinPagesDiscoverFallsBackToRowId) {
  compare_discover("linkedin-pages");
}
