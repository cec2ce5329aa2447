// SPDX-License-Identifier: Apache-2.0
// Unit tests of the Airbyte shim's pure translators: spec, oauth2, discover, configured
// catalog, state, LOG/TRACE mapping and config updates.
#include <gtest/gtest.h>

#include <flow/airbyte/config_update.hpp>
#include <flow/airbyte/configured_catalog.hpp>
#include <flow/airbyte/discover_translation.hpp>
#include <flow/airbyte/message_logging.hpp>
#include <flow/airbyte/oauth2_translation.hpp>
#include <flow/airbyte/spec_translation.hpp>
#include <flow/airbyte/state_translation.hpp>
#include <flow/error.hpp>

namespace fa = flow::airbyte;
using nlohmann::json;

// ---- spec ------------------------------------------------------------------------------

TEST(AirbyteSpec, SecretsBecomeSecretAndAirbyteKeywordsAreStripped) {
  auto schema = json::parse(R"({
    "type":"object","required":["token"],"groups":[{"id":"auth"}],
    "properties":{
      "token":{"type":"string","airbyte_secret":true,"always_show":true,"group":"auth","order":1},
      "group":{"type":"string","airbyte_hidden":true},
      "creds":{"oneOf":[{"properties":{"key":{"type":"string","airbyte_secret":true,
                                               "pattern_descriptor":"xx"}}}]},
      "list":{"type":"array","items":{"type":"integer","airbyte_type":"big_integer"}}}})");
  auto cleaned = fa::clean_config_schema(schema);
  EXPECT_EQ(cleaned, json::parse(R"({
    "type":"object","required":["token"],
    "properties":{
      "token":{"type":"string","secret":true,"order":1},
      "group":{"type":"string"},
      "creds":{"oneOf":[{"properties":{"key":{"type":"string","secret":true}}}]},
      "list":{"type":"array","items":{"type":"integer"}}}})"));
}

TEST(AirbyteSpec, TranslatesTheWholeSpecWithOverrides) {
  auto airbyte = json::parse(R"({"documentationUrl":"https://docs.example.com",
    "connectionSpecification":{"type":"object","properties":{"a":{"type":"string"}}}})");
  auto spec = fa::translate_spec(airbyte, {});
  EXPECT_EQ(spec.documentation_url, "https://docs.example.com");
  EXPECT_TRUE(spec.oauth2.is_null());
  EXPECT_EQ(spec.resource_path_pointers, (std::vector<std::string>{"/namespace", "/stream"}));
  EXPECT_EQ(spec.resource_config_schema["required"], json::parse(R"(["stream","syncMode"])"));

  fa::SpecOverrides overrides;
  overrides.documentation_url = "https://go.estuary.dev/x";
  overrides.oauth2 = json{{"provider", "x"}};
  overrides.config_schema_patch = json::parse(R"({"properties":{"b":{"type":"integer"}}})");
  spec = fa::translate_spec(airbyte, overrides);
  EXPECT_EQ(spec.documentation_url, "https://go.estuary.dev/x");
  EXPECT_EQ(spec.oauth2, json({{"provider", "x"}}));
  EXPECT_EQ(spec.config_schema["properties"]["b"], json({{"type", "integer"}}));
}

TEST(AirbyteSpec, RejectsASpecWithoutConnectionSpecification) {
  EXPECT_THROW(fa::translate_spec(json::parse(R"({"documentationUrl":"x"})"), {}), flow::Error);
}

// ---- oauth2 ----------------------------------------------------------------------------

TEST(AirbyteOAuth2, RewritesDeclarativePlaceholdersToFlowMustache) {
  EXPECT_EQ(fa::rewrite_oauth_template(
                "https://x.com/auth?{{ client_id_key }}={{ client_id_value }}&"
                "{{ redirect_uri_key }}={{ redirect_uri_value | urlEncoder }}&"
                "{{ state_key }}={{ state_value }}&scope={{ scope_value | urlEncoder }}&"
                "code_challenge={{ state_value | codeChallengeS256 }}",
                json::object(), "read write"),
            "https://x.com/auth?client_id={{{ client_id }}}&"
            "redirect_uri={{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}&"
            "state={{{ state }}}&scope={{#urlencode}}read write{{/urlencode}}&"
            "code_challenge={{{ code_challenge }}}");
  EXPECT_EQ(fa::rewrite_oauth_template(
                "Basic {{ (client_id_value ~ ':' ~ client_secret_value) | base64Encoder }}",
                json::object(), ""),
            "Basic {{#basicauth}}{{{ client_id }}}:{{{ client_secret }}}{{/basicauth}}");
  // A renamed key parameter.
  EXPECT_EQ(fa::rewrite_oauth_template("{{ client_id_key }}={{ client_id_value }}",
                                       json{{"client_id_key", "app_id"}}, ""),
            "app_id={{{ client_id }}}");
  EXPECT_THROW(fa::rewrite_oauth_template("{{ mystery_value }}", json::object(), ""), flow::Error);
  EXPECT_THROW(fa::rewrite_oauth_template("{{ state_value | rot13 }}", json::object(), ""),
               flow::Error);
}

TEST(AirbyteOAuth2, TranslatesAdvancedAuthConnectorInputSpecification) {
  auto spec = json::parse(R"({"connectionSpecification":{},"advanced_auth":{
    "auth_flow_type":"oauth2.0","predicate_key":["credentials","auth_type"],"predicate_value":"oauth",
    "oauth_config_specification":{
      "oauth_connector_input_specification":{
        "consent_url":"https://app.hubspot.com/oauth/authorize?{{ client_id_key }}={{ client_id_value }}&{{ redirect_uri_key }}={{ redirect_uri_value | urlEncoder }}&{{ state_key }}={{ state_value }}",
        "access_token_url":"https://api.hubapi.com/oauth/v1/token",
        "access_token_headers":{"Content-Type":"application/x-www-form-urlencoded"},
        "access_token_params":{"grant_type":"authorization_code","{{ auth_code_key }}":"{{ auth_code_value }}","client_id":"{{ client_id_value }}"},
        "extract_output":["access_token","refresh_token"]},
      "complete_oauth_output_specification":{"properties":{
        "refresh_token":{"type":"string","path_in_connector_config":["credentials","refresh_token"],
                         "path_in_oauth_response":["refresh_token"]}}}}}})");
  auto oauth2 = fa::translate_oauth2(spec, std::nullopt);
  EXPECT_EQ(oauth2["provider"], "hubspot");
  EXPECT_EQ(oauth2["authUrlTemplate"],
            "https://app.hubspot.com/oauth/authorize?client_id={{{ client_id }}}&redirect_uri="
            "{{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}&state={{{ state }}}");
  EXPECT_EQ(oauth2["accessTokenUrlTemplate"], "https://api.hubapi.com/oauth/v1/token");
  EXPECT_EQ(oauth2["accessTokenBody"],
            "client_id={{{ client_id }}}&grant_type=authorization_code&code={{{ code }}}");
  EXPECT_EQ(oauth2["accessTokenHeaders"],
            json({{"Content-Type", "application/x-www-form-urlencoded"}}));
  EXPECT_EQ(oauth2["accessTokenResponseMap"],
            json({{"refresh_token", "/refresh_token"}, {"access_token", "/access_token"}}));
  EXPECT_EQ(fa::translate_oauth2(spec, std::string("hub"))["provider"], "hub");
}

TEST(AirbyteOAuth2, LegacyAuthSpecificationHoldingAFlowObjectPassesThrough) {
  auto spec = json::parse(R"({"authSpecification":{"auth_type":"oauth2.0","provider":"p",
    "authUrlTemplate":"https://a","accessTokenUrlTemplate":"https://t"}})");
  EXPECT_EQ(
      fa::translate_oauth2(spec, std::nullopt),
      json::parse(
          R"({"provider":"p","authUrlTemplate":"https://a","accessTokenUrlTemplate":"https://t"})"));
  // Airbyte's own legacy form names no URLs: nothing to translate (needs an override file).
  auto classic = json::parse(R"({"authSpecification":{"auth_type":"oauth2.0",
    "oauth2Specification":{"rootObject":["credentials"],"oauthFlowInitParameters":[["client_id"]]}}})");
  EXPECT_TRUE(fa::translate_oauth2(classic, std::nullopt).is_null());
}

// ---- discover --------------------------------------------------------------------------

TEST(AirbyteDiscover, KeysBecomeEscapedPointers) {
  EXPECT_EQ(fa::key_to_pointers(json::parse(R"([["a","b/c"],["d~e"]])")),
            (std::vector<std::string>{"/a/b~1c", "/d~0e"}));
  EXPECT_EQ(fa::key_to_pointers(json("id")), (std::vector<std::string>{"/id"}));
  EXPECT_EQ(fa::key_to_pointers(json::parse(R"(["a","b"])")),
            (std::vector<std::string>{"/a", "/b"}));
  EXPECT_TRUE(fa::key_to_pointers(json::array()).empty());
  EXPECT_THROW(fa::key_to_pointers(json::parse(R"([[1]])")), flow::Error);
  EXPECT_THROW(fa::key_to_pointers(json::parse(R"({"a":1})")), flow::Error);
}

TEST(AirbyteDiscover, SanitizesNames) {
  EXPECT_EQ(fa::sanitize_name("Sales Report/2024 (EU)"), "Sales_Report/2024__EU_");
  EXPECT_EQ(fa::sanitize_name("//a//b/"), "a/b");
  EXPECT_EQ(fa::sanitize_name("test_base/pizzas/tblY71QcPfB7SjY1f"),
            "test_base/pizzas/tblY71QcPfB7SjY1f");
}

TEST(AirbyteDiscover, OneBindingPerStreamWithKeysCursorAndMeta) {
  auto catalog = json::parse(R"({"streams":[
    {"name":"orders","namespace":"shop","json_schema":{"type":"object","properties":{
        "id":{"type":["null","integer"]},"nested":{"type":"object","properties":{"k":{"type":"string"}}}}},
     "supported_sync_modes":["full_refresh","incremental"],"default_cursor_field":["updated"],
     "source_defined_primary_key":[["id"],["nested","k"]]},
    {"name":"log lines","json_schema":{"type":"object"},"supported_sync_modes":["full_refresh"]}]})");
  auto result = fa::translate_catalog(catalog, {});
  ASSERT_EQ(result.bindings.size(), 2u);
  EXPECT_TRUE(result.warnings.empty());
  const auto& orders = result.bindings[0];
  EXPECT_EQ(orders.recommended_name, "orders");
  EXPECT_EQ(
      orders.resource_config,
      json::parse(
          R"({"stream":"orders","namespace":"shop","syncMode":"incremental","cursorField":["updated"]})"));
  EXPECT_EQ(orders.resource_path, (std::vector<std::string>{"shop", "orders"}));
  EXPECT_EQ(orders.key, (std::vector<std::string>{"/id", "/nested/k"}));
  EXPECT_FALSE(orders.is_fallback_key);
  EXPECT_EQ(orders.document_schema["properties"]["id"]["type"], "integer");  // null stripped
  EXPECT_EQ(orders.document_schema["required"], json::parse(R"(["_meta","id","nested"])"));
  EXPECT_EQ(orders.document_schema["properties"]["nested"]["required"], json::parse(R"(["k"])"));
  EXPECT_EQ(orders.document_schema["properties"]["_meta"]["required"], json::parse(R"(["op"])"));

  const auto& lines = result.bindings[1];
  EXPECT_EQ(lines.recommended_name, "log_lines");
  EXPECT_EQ(lines.resource_config,
            json::parse(R"({"stream":"log lines","syncMode":"full_refresh"})"));
  EXPECT_EQ(lines.key, (std::vector<std::string>{"/_meta/row_id"}));
  EXPECT_TRUE(lines.is_fallback_key);
  EXPECT_EQ(lines.document_schema["properties"]["_meta"]["required"],
            json::parse(R"(["op","row_id"])"));
}

TEST(AirbyteDiscover, ABrokenStreamIsDisabledNotFatal) {
  auto catalog = json::parse(R"({"streams":[
    {"name":"good","json_schema":{},"supported_sync_modes":["full_refresh"]},
    {"name":"bad_key","json_schema":{},"supported_sync_modes":["full_refresh"],"source_defined_primary_key":[[7]]},
    {"name":"no_modes","json_schema":{},"supported_sync_modes":[]},
    {"name":"incr_no_cursor","json_schema":{},"supported_sync_modes":["incremental"]},
    {"json_schema":{}}]})");
  auto result = fa::translate_catalog(catalog, {});
  ASSERT_EQ(result.bindings.size(), 4u);
  EXPECT_FALSE(result.bindings[0].disable);
  EXPECT_TRUE(result.bindings[1].disable);
  EXPECT_EQ(result.bindings[1].key, (std::vector<std::string>{"/_meta/row_id"}));
  EXPECT_TRUE(result.bindings[2].disable);
  EXPECT_TRUE(result.bindings[3].disable);
  ASSERT_EQ(result.warnings.size(), 4u);
  EXPECT_NE(result.warnings[0].find("bad_key"), std::string::npos);
  EXPECT_NE(result.warnings[3].find("without a name"), std::string::npos);
}

TEST(AirbyteDiscover, ANestedKeyPathThroughAScalarIsReadAsACompositeKey) {
  // source-git-file declares [["hash","fileName","operation"]] for three top-level fields.
  auto catalog = json::parse(R"({"streams":[{"name":"revs","json_schema":{"properties":{
    "hash":{"type":"string"},"fileName":{"type":"string"},"operation":{"type":"string"},
    "meta":{"type":"object","properties":{"id":{"type":"string"}}}}},
    "supported_sync_modes":["full_refresh"],"source_defined_primary_key":[["hash","fileName","operation"]]},
    {"name":"nested","json_schema":{"properties":{"meta":{"type":"object","properties":{"id":{"type":"string"}}}}},
    "supported_sync_modes":["full_refresh"],"source_defined_primary_key":[["meta","id"]]}]})");
  auto result = fa::translate_catalog(catalog, {});
  EXPECT_EQ(result.bindings[0].key, (std::vector<std::string>{"/hash", "/fileName", "/operation"}));
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("composite key"), std::string::npos);
  // A real nested path (through an object) stays one pointer.
  EXPECT_EQ(result.bindings[1].key, (std::vector<std::string>{"/meta/id"}));
}

TEST(AirbyteDiscover, SourceDefinedCursorWithoutFieldIsIncremental) {
  auto catalog = json::parse(R"({"streams":[{"name":"s","json_schema":{},
    "supported_sync_modes":["incremental"],"source_defined_cursor":true,"source_defined_primary_key":[["id"]]}]})");
  auto result = fa::translate_catalog(catalog, {});
  ASSERT_EQ(result.bindings.size(), 1u);
  EXPECT_EQ(result.bindings[0].resource_config,
            json::parse(R"({"stream":"s","syncMode":"incremental"})"));
  EXPECT_FALSE(result.bindings[0].disable);
}

TEST(AirbyteDiscover, OptionsOverrideKeysSelectAndOmitStreams) {
  auto catalog = json::parse(R"({"streams":[
    {"name":"a","json_schema":{},"supported_sync_modes":["full_refresh"]},
    {"name":"b","json_schema":{},"supported_sync_modes":["full_refresh"]},
    {"name":"c","json_schema":{},"supported_sync_modes":["full_refresh"]}]})");
  fa::DiscoverOptions options;
  options.key_overrides["a"] = {"/x"};
  options.selected_streams = std::set<std::string>{"a"};
  options.omitted_streams = {"c"};
  options.schema_inference = true;
  auto result = fa::translate_catalog(catalog, options);
  ASSERT_EQ(result.bindings.size(), 2u);
  EXPECT_EQ(result.bindings[0].key, (std::vector<std::string>{"/x"}));
  EXPECT_FALSE(result.bindings[0].disable);
  EXPECT_TRUE(result.bindings[1].disable);
  EXPECT_EQ(result.bindings[0].document_schema["x-infer-schema"], true);
  EXPECT_EQ(result.bindings[0].document_schema["then"]["reduce"]["strategy"], "merge");
}

TEST(AirbyteDiscover, DuplicateNamesAcrossNamespacesGetPrefixed) {
  auto catalog = json::parse(R"({"streams":[
    {"name":"t","namespace":"a","json_schema":{},"supported_sync_modes":["full_refresh"]},
    {"name":"t","namespace":"b","json_schema":{},"supported_sync_modes":["full_refresh"]}]})");
  auto result = fa::translate_catalog(catalog, {});
  EXPECT_EQ(result.bindings[0].recommended_name, "a/t");
  EXPECT_EQ(result.bindings[1].recommended_name, "b/t");
}

// ---- configured catalog ----------------------------------------------------------------

TEST(AirbyteConfiguredCatalog, BuildsStreamsFromBindings) {
  flow::capture::Binding keyed;
  keyed.resource_config = json::parse(
      R"({"stream":"orders","namespace":"shop","syncMode":"incremental","cursorField":["updated"]})");
  keyed.collection.key = {"/id", "/a~1b"};
  keyed.collection.write_schema = json{{"type", "object"}};
  keyed.backfill = 2;
  keyed.state_key = "orders.v2";
  flow::capture::Binding keyless;
  keyless.resource_config = json::parse(R"({"stream":"events","syncMode":"full_refresh"})");
  keyless.collection.key = {"/_meta/row_id"};
  keyless.state_key = "events";

  auto catalog = fa::configured_catalog({keyed, keyless});
  EXPECT_EQ(catalog, json::parse(R"({"streams":[
    {"stream":{"name":"orders","namespace":"shop","json_schema":{"type":"object"},"supported_sync_modes":["incremental"]},
     "sync_mode":"incremental","cursor_field":["updated"],"primary_key":[["id"],["a/b"]],
     "destination_sync_mode":"append","generation_id":2,"minimum_generation_id":0,"sync_id":0},
    {"stream":{"name":"events","json_schema":{},"supported_sync_modes":["full_refresh"]},
     "sync_mode":"full_refresh","destination_sync_mode":"append","generation_id":0,"minimum_generation_id":0,"sync_id":0}]})"));

  auto reads = fa::read_bindings({keyed, keyless});
  EXPECT_EQ(reads[0].row_id, fa::RowIdMode::none);
  EXPECT_EQ(reads[1].row_id, fa::RowIdMode::per_sweep);
  EXPECT_EQ(reads[0].ns, "shop");
}

TEST(AirbyteConfiguredCatalog, RejectsBadResourceConfigs) {
  EXPECT_THROW(fa::parse_resource_config(json::parse(R"({"syncMode":"full_refresh"})")),
               flow::ConfigError);
  EXPECT_THROW(fa::parse_resource_config(json::parse(R"({"stream":"s","syncMode":"cdc"})")),
               flow::ConfigError);
  EXPECT_THROW(fa::parse_resource_config(json::parse(R"({"stream":"s","cursorField":[1]})")),
               flow::ConfigError);
}

// ---- state -----------------------------------------------------------------------------

TEST(AirbyteState, MergePatchDiffExpressesOnlyTheChange) {
  EXPECT_EQ(fa::merge_patch_diff(json::parse(R"({"a":1,"b":{"c":2,"d":3}})"),
                                 json::parse(R"({"a":1,"b":{"c":2,"e":4}})")),
            json::parse(R"({"b":{"d":null,"e":4}})"));
  EXPECT_EQ(fa::merge_patch_diff(json::parse(R"({"a":1})"), json::parse(R"({"a":1})")),
            json::object());
  EXPECT_EQ(fa::merge_patch_diff(json::parse(R"({"a":[1]})"), json::parse(R"({"a":[2]})")),
            json::parse(R"({"a":[2]})"));
}

std::vector<fa::StateBinding> two_bindings() {
  return {{"users", "", "users.v1", false}, {"events", "", "events.v3", true}};
}

TEST(AirbyteState, StreamStateCheckpointsOnlyThatBinding) {
  fa::StateTracker tracker(json::object(), two_bindings());
  std::vector<std::uint64_t> rows{0, 7};
  auto update = tracker.on_state(json::parse(R"({"type":"STREAM","stream":{
      "stream_descriptor":{"name":"users"},"stream_state":{"cursor":5}},"sourceStats":{"recordCount":5.0}})"),
                                 rows);
  ASSERT_TRUE(update.checkpoint);
  EXPECT_EQ(update.patch, json::parse(R"({"airbyteStateType":"STREAM","bindingStateV1":{"users.v1":
      {"stream":{"stream_descriptor":{"name":"users"},"stream_state":{"cursor":5}}}}})"));
  update = tracker.on_state(json::parse(R"({"type":"STREAM","stream":{
      "stream_descriptor":{"name":"users"},"stream_state":{"cursor":9}}})"),
                            rows);
  EXPECT_EQ(
      update.patch,
      json::parse(R"({"bindingStateV1":{"users.v1":{"stream":{"stream_state":{"cursor":9}}}}})"));
  // The persistent row counter travels with its own binding's state.
  update = tracker.on_state(json::parse(R"({"type":"STREAM","stream":{
      "stream_descriptor":{"name":"events"},"stream_state":{}}})"),
                            rows);
  EXPECT_EQ(update.patch, json::parse(R"({"bindingStateV1":{"events.v3":{
      "stream":{"stream_descriptor":{"name":"events"},"stream_state":{}},"rowId":7}}})"));

  update = tracker.on_state(json::parse(R"({"type":"STREAM","stream":{
      "stream_descriptor":{"name":"nope"},"stream_state":{}}})"),
                            rows);
  EXPECT_FALSE(update.checkpoint);
  EXPECT_NE(update.warning.find("not bound"), std::string::npos);

  // Next run: the --state input is the STREAM list of bound bindings.
  auto input = fa::airbyte_state_input(tracker.flow_state(), two_bindings());
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(*input, json::parse(R"([
    {"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},"stream_state":{"cursor":9}}},
    {"type":"STREAM","stream":{"stream_descriptor":{"name":"events"},"stream_state":{}}}])"));
  EXPECT_EQ(fa::stored_row_id(tracker.flow_state(), "events.v3"), 7u);
  // A re-backfilled binding (new stateKey) starts over alone.
  auto rebackfilled = two_bindings();
  rebackfilled[0].state_key = "users.v2";
  input = fa::airbyte_state_input(tracker.flow_state(), rebackfilled);
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(input->size(), 1u);
  EXPECT_EQ((*input)[0]["stream"]["stream_descriptor"]["name"], "events");
}

TEST(AirbyteState, GlobalStateKeepsSharedStateUnderAReservedKey) {
  fa::StateTracker tracker(json::object(), two_bindings());
  std::vector<std::uint64_t> rows{0, 3};
  auto update = tracker.on_state(json::parse(R"({"type":"GLOBAL","global":{
      "shared_state":{"lsn":100},
      "stream_states":[{"stream_descriptor":{"name":"users"},"stream_state":{"c":1}}]}})"),
                                 rows);
  ASSERT_TRUE(update.checkpoint);
  EXPECT_EQ(
      update.patch,
      json::parse(R"({"airbyteStateType":"GLOBAL","airbyteGlobal":{"shared_state":{"lsn":100}},
      "bindingStateV1":{"users.v1":{"stream":{"stream_descriptor":{"name":"users"},"stream_state":{"c":1}}},
                        "events.v3":{"rowId":3}}})"));
  EXPECT_EQ(fa::stored_state_form(tracker.flow_state()), fa::StateForm::global);
  auto input = fa::airbyte_state_input(tracker.flow_state(), two_bindings());
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(*input, json::parse(R"([{"type":"GLOBAL","global":{"shared_state":{"lsn":100},
      "stream_states":[{"stream_descriptor":{"name":"users"},"stream_state":{"c":1}}]}}])"));
}

TEST(AirbyteState, LegacyStateIsPassedThroughAsIs) {
  fa::StateTracker tracker(json::object(), two_bindings());
  std::vector<std::uint64_t> rows{0, 0};
  auto update = tracker.on_state(json::parse(R"({"data":{"lastHash":"abc"}})"), rows);
  ASSERT_TRUE(update.checkpoint);
  EXPECT_EQ(update.patch["airbyteLegacy"], json::parse(R"({"lastHash":"abc"})"));
  EXPECT_EQ(update.patch["airbyteStateType"], "LEGACY");
  auto input = fa::airbyte_state_input(tracker.flow_state(), two_bindings());
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(*input, json::parse(R"({"lastHash":"abc"})"));
  // Switching forms drops the old form's state.
  update = tracker.on_state(json::parse(R"({"type":"STREAM","stream":{
      "stream_descriptor":{"name":"users"},"stream_state":{"c":1}}})"),
                            rows);
  EXPECT_EQ(update.patch["airbyteLegacy"], nullptr);
  EXPECT_EQ(update.patch["airbyteStateType"], "STREAM");
}

TEST(AirbyteState, ReadsStateWrittenByEstuarysPythonShim) {
  auto stored = json::parse(R"({"bindingStateV1":{"users.v1":{"rowId":12,"state":{"type":"STREAM",
      "stream":{"stream_descriptor":{"name":"users","namespace":null},"stream_state":{"cursor":"x"}},
      "global":null,"data":null,"sourceStats":null}}}})");
  EXPECT_EQ(fa::stored_state_form(stored), fa::StateForm::stream);
  auto input = fa::airbyte_state_input(stored, two_bindings());
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(*input, json::parse(R"([{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},
      "stream_state":{"cursor":"x"}}}])"));
  EXPECT_FALSE(fa::airbyte_state_input(json::object(), two_bindings()).has_value());
}

// ---- LOG / TRACE -----------------------------------------------------------------------

TEST(AirbyteMessages, LogLevelsMapAndStackTraceIsKept) {
  using flow::log::Level;
  EXPECT_EQ(fa::map_log({{"level", "FATAL"}, {"message", "m"}}).level, Level::error);
  EXPECT_EQ(fa::map_log({{"level", "ERROR"}, {"message", "m"}}).level, Level::error);
  EXPECT_EQ(fa::map_log({{"level", "WARN"}, {"message", "m"}}).level, Level::warn);
  EXPECT_EQ(fa::map_log({{"level", "INFO"}, {"message", "m"}}).level, Level::info);
  EXPECT_EQ(fa::map_log({{"level", "DEBUG"}, {"message", "m"}}).level, Level::debug);
  EXPECT_EQ(fa::map_log({{"level", "TRACE"}, {"message", "m"}}).level, Level::trace);
  auto entry = fa::map_log({{"level", "ERROR"}, {"message", "boom"}, {"stack_trace", "at x"}});
  EXPECT_EQ(entry.message, "boom");
  EXPECT_EQ(entry.fields["stack_trace"], "at x");
}

TEST(AirbyteMessages, TraceErrorKeepsFailureTypeAndBecomesStatus) {
  auto trace = json::parse(
      R"({"type":"ERROR","emitted_at":1.5,"error":{"message":"Config validation error: 'depth' is a required property",
      "internal_message":"'depth' is a required property","failure_type":"config_error","stack_trace":"tb"}})");
  auto entries = fa::map_trace(trace);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].level, flow::log::Level::error);
  EXPECT_EQ(entries[0].fields["failure_type"], "config_error");
  EXPECT_EQ(entries[0].fields["stack_trace"], "tb");
  EXPECT_TRUE(entries[1].status);
  auto error = fa::trace_error(trace);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "configuration error: Config validation error: 'depth' is a required property");
  auto system = fa::trace_error(json::parse(
      R"({"type":"ERROR","error":{"message":"Something went wrong","internal_message":"disk full","failure_type":"system_error"}})"));
  EXPECT_EQ(system->message, "Something went wrong: disk full");
}

TEST(AirbyteMessages, EstimateStatusAnalyticsAreNeverFatal) {
  auto entries = fa::map_trace(json::parse(R"({"type":"STREAM_STATUS","stream_status":{
      "stream_descriptor":{"name":"users","namespace":"crm"},"status":"RUNNING",
      "reasons":[{"type":"RATE_LIMITED","rate_limited":{"quota_reset":1700000000000}}]}})"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].message, "stream crm.users is RUNNING");
  EXPECT_TRUE(entries[1].status);
  EXPECT_EQ(entries[1].message,
            "stream crm.users is rate limited; quota resets at 1700000000000 (ms since epoch)");
  entries = fa::map_trace(json::parse(
      R"({"type":"ESTIMATE","estimate":{"name":"u","type":"STREAM","row_estimate":10}})"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].fields["estimate"]["row_estimate"], 10);
  entries =
      fa::map_trace(json::parse(R"({"type":"ANALYTICS","analytics":{"type":"x","value":"1"}})"));
  EXPECT_EQ(entries[0].level, flow::log::Level::debug);
  entries = fa::map_trace(json::parse(R"({"type":"NEW_KIND"})"));
  EXPECT_EQ(entries[0].level, flow::log::Level::warn);
  EXPECT_FALSE(fa::trace_error(json::parse(R"({"type":"ESTIMATE"})")).has_value());
}

// ---- config updates --------------------------------------------------------------------

TEST(AirbyteConfigUpdate, MergesValidatesAndRedacts) {
  auto schema = json::parse(R"({"type":"object","required":["token","count"],"properties":{
      "token":{"type":"string","secret":true},"count":{"type":"integer"},
      "creds":{"oneOf":[{"type":"object","properties":{"refresh":{"type":"string","airbyte_secret":true}}}]}}})");
  auto merged = fa::merge_config_update(json::parse(R"({"token":"old","count":1})"),
                                        json::parse(R"({"token":"new"})"));
  EXPECT_EQ(merged, json::parse(R"({"token":"new","count":1})"));
  EXPECT_TRUE(fa::validate_config(merged, schema).empty());
  auto errors = fa::validate_config(json::parse(R"({"token":"s3cr3t","count":"many"})"), schema);
  ASSERT_FALSE(errors.empty());
  for (const auto& e : errors) {
    EXPECT_EQ(e.find("s3cr3t"), std::string::npos) << e;
  }
  EXPECT_NE(errors[0].find("count"), std::string::npos) << errors[0];
  EXPECT_EQ(fa::redact_secrets(
                json::parse(R"({"token":"s3cr3t","count":1,"creds":{"refresh":"r"}})"), schema),
            json::parse(R"({"token":"REDACTED","count":1,"creds":{"refresh":"REDACTED"}})"));
}
