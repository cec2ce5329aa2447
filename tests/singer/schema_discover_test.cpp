// SPDX-License-Identifier: Apache-2.0
// Pure translators of spec and discover: schemas, catalog parsing, bindings, validation.
#include <gtest/gtest.h>

#include <flow/error.hpp>
#include <flow/singer/discover.hpp>
#include <flow/singer/schema.hpp>
#include <flow/singer/spec.hpp>
#include <fstream>
#include <sstream>

namespace {

using nlohmann::json;
using namespace flow::singer;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(SingerSchema, DocumentSchemaAddsMetaAndFixesKeys) {
  json tap = {
      {"type", "object"},
      {"properties", {{"id", {{"type", {"null", "integer"}}}}, {"name", {{"type", "string"}}}}}};
  json schema = document_schema(tap, {"/id"}, true);
  EXPECT_EQ(schema["properties"]["id"]["type"], "integer");
  EXPECT_EQ(schema["required"], json({"_meta", "id"}));
  EXPECT_EQ(schema["properties"]["_meta"]["properties"]["op"]["enum"], json({"c", "u", "d"}));
  EXPECT_EQ(schema["x-infer-schema"], true);
  EXPECT_EQ(schema["then"]["reduce"]["delete"], true);
  EXPECT_EQ(schema["properties"]["name"], tap["properties"]["name"]);
  // The row-id fallback key is not a tap property.
  json keyless = document_schema(tap, {"/_meta/row_id"}, false);
  EXPECT_EQ(keyless["required"], json({"_meta"}));
  EXPECT_FALSE(keyless.contains("x-infer-schema"));
}

TEST(SingerSchema, ClosedSchemaClosesEveryObjectButRespectsExplicitSettings) {
  json tap = {
      {"type", "object"},
      {"$id", "x"},
      {"properties",
       {{"meta", {{"type", {"null", "object"}}, {"properties", {{"c", {{"type", "string"}}}}}}},
        {"tags",
         {{"type", "array"}, {"items", {{"type", "object"}, {"properties", json::object()}}}}},
        {"free",
         {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", true}}}}}};
  json closed = closed_schema(tap);
  EXPECT_FALSE(closed.contains("$id"));
  EXPECT_EQ(closed["additionalProperties"], false);
  EXPECT_EQ(closed["properties"]["meta"]["additionalProperties"], false);
  EXPECT_EQ(closed["properties"]["tags"]["items"]["additionalProperties"], false);
  EXPECT_EQ(closed["properties"]["free"]["additionalProperties"], true);
  EXPECT_EQ(closed["properties"]["_meta"]["additionalProperties"], false);
  EXPECT_EQ(closed["required"], json({"_meta"}));
}

TEST(SingerSchema, TapSchemaFromCollectionUndoesDocumentSchema) {
  json tap = {{"type", "object"}, {"properties", {{"id", {{"type", "integer"}}}}}};
  json back = tap_schema_from_collection(document_schema(tap, {"/id"}, true));
  EXPECT_EQ(back["properties"], tap["properties"]);
  EXPECT_EQ(back["required"], json({"id"}));
  EXPECT_FALSE(back.contains("x-infer-schema"));
  EXPECT_FALSE(back.contains("if"));
}

TEST(SingerSchema, DigestIsStableAndSensitive) {
  EXPECT_EQ(digest_hex("abc"), digest_hex("abc"));
  EXPECT_NE(digest_hex("abc"), digest_hex("abd"));
  EXPECT_EQ(digest_hex("").size(), 16U);
}

TEST(SingerSpec, ConfigSchemaFromAbout) {
  std::string about = R"({"name":"tap-x","capabilities":["catalog","discover"],
    "settings":{"type":"object","properties":{"api_key":{"type":"string","secret":true}},
    "required":["api_key"]}})";
  auto schema = config_schema_from_about(about);
  ASSERT_TRUE(schema.has_value());
  EXPECT_EQ((*schema)["properties"]["api_key"]["secret"], true);
  EXPECT_EQ((*schema)["required"], json({"api_key"}));
  // Log lines around it are tolerated; text output is not an about document.
  EXPECT_TRUE(config_schema_from_about("INFO hi\n" + about + "\n").has_value());
  EXPECT_FALSE(config_schema_from_about("Name: tap-x\nVersion: 1").has_value());
  EXPECT_FALSE(config_schema_from_about(R"({"name":"tap-x"})").has_value());
}

TEST(SingerSpec, ResourceConfigSchemaDeclaresTheResourcePath) {
  json schema = resource_config_schema();
  EXPECT_EQ(schema["required"], json({"tap_stream_id"}));
  for (const char* field :
       {"tap_stream_id", "stream", "replication_method", "replication_key", "fields"}) {
    EXPECT_TRUE(schema["properties"].contains(field)) << field;
  }
  EXPECT_EQ(schema["properties"]["replication_method"]["enum"],
            json({"FULL_TABLE", "INCREMENTAL", "LOG_BASED"}));
}

TEST(SingerDiscover, ParsesPrettyPrintedCatalogsAndStrayLines) {
  // The tap-csv fixture: discovery prints a pretty-printed, empty catalog.
  auto fixture = read_text(FLOW_SHARED_DIR "/fixtures/singer/tap-csv/discover.stdout.jsonl");
  json catalog = parse_catalog_output(fixture);
  EXPECT_EQ(catalog["streams"], json::array());
  EXPECT_TRUE(discovered_bindings(catalog, true).empty());

  std::string noisy =
      "INFO starting\n{\n  \"streams\": [\n    {\"tap_stream_id\": \"a\", "
      "\"schema\": {}}\n  ]\n}\nINFO done\n";
  EXPECT_EQ(parse_catalog_output(noisy)["streams"].size(), 1U);
  EXPECT_THROW(parse_catalog_output("usage: tap [-h]"), flow::Error);
  EXPECT_THROW(parse_catalog_output(R"({"type":"SCHEMA"})"), flow::Error);
}

json sample_catalog() {
  return json::parse(R"({"streams":[
    {"tap_stream_id":"public-orders","stream":"orders",
     "schema":{"type":"object","properties":{"id":{"type":["null","integer"]},
       "updated_at":{"type":"string"},"secret":{"type":"string"}}},
     "metadata":[
       {"breadcrumb":[],"metadata":{"table-key-properties":["id"],
         "valid-replication-keys":["updated_at"],"inclusion":"available"}},
       {"breadcrumb":["properties","secret"],"metadata":{"inclusion":"unsupported"}}]},
    {"tap_stream_id":"logs","stream":"logs","schema":{"type":"object","properties":{}},
     "metadata":[{"breadcrumb":[],"metadata":{"forced-replication-method":"FULL_TABLE",
       "selected-by-default":false}}]},
    {"tap_stream_id":"internal","stream":"internal","schema":{},
     "metadata":[{"breadcrumb":[],"metadata":{"inclusion":"unsupported"}}]},
    {"tap_stream_id":"users","stream":"users","key_properties":["a/b"],
     "schema":{"type":"object","properties":{"a/b":{"type":"string"}}}}
  ]})");
}

TEST(SingerDiscover, OneBindingPerSupportedStream) {
  auto bindings = discovered_bindings(sample_catalog(), true);
  ASSERT_EQ(bindings.size(), 3U);  // "internal" is unsupported

  const auto& orders = bindings[0];
  EXPECT_EQ(orders.recommended_name, "public-orders");
  EXPECT_EQ(orders.key, std::vector<std::string>{"/id"});
  EXPECT_FALSE(orders.is_fallback_key);
  EXPECT_EQ(orders.resource_config, json({{"tap_stream_id", "public-orders"},
                                          {"stream", "orders"},
                                          {"replication_method", "INCREMENTAL"},
                                          {"replication_key", "updated_at"}}));
  EXPECT_EQ(orders.resource_path, std::vector<std::string>{"public-orders"});
  EXPECT_FALSE(orders.document_schema["properties"].contains("secret"));
  EXPECT_EQ(orders.document_schema["properties"]["id"]["type"], "integer");
  EXPECT_FALSE(orders.disable);

  const auto& logs = bindings[1];
  EXPECT_EQ(logs.resource_config["replication_method"], "FULL_TABLE");
  EXPECT_EQ(logs.key, std::vector<std::string>{"/_meta/row_id"});
  EXPECT_TRUE(logs.is_fallback_key);
  EXPECT_TRUE(logs.disable);

  EXPECT_EQ(bindings[2].key, std::vector<std::string>{"/a~1b"});
}

TEST(SingerDiscover, CriteoFixtureCatalogGivesTheSameKeysAndResources) {
  // Rebuild the Singer catalog Estuary's shim saw from its recorded discover output: each
  // resourceConfig is the catalog entry minus its schema.
  json recorded =
      json::parse(read_text(FLOW_SHARED_DIR "/fixtures/estuary/criteo/flow-discover.json"));
  json catalog = {{"streams", json::array()}};
  for (const auto& binding : recorded) {
    json entry = binding["resourceConfig"];
    entry["schema"] = tap_schema_from_collection(binding["documentSchema"]);
    catalog["streams"].push_back(entry);
  }
  auto bindings = discovered_bindings(catalog, true);
  ASSERT_EQ(bindings.size(), recorded.size());
  for (std::size_t i = 0; i < bindings.size(); ++i) {
    EXPECT_EQ(json(bindings[i].key), recorded[i]["key"]) << i;
    EXPECT_EQ(bindings[i].resource_config["tap_stream_id"],
              recorded[i]["resourceConfig"]["tap_stream_id"]);
    EXPECT_EQ(bindings[i].resource_config["replication_method"],
              recorded[i]["resourceConfig"]["replication_method"]);
    EXPECT_EQ(bindings[i].recommended_name, recorded[i]["recommendedName"]);
    EXPECT_EQ(bindings[i].document_schema["x-infer-schema"], true);
  }
}

TEST(SingerDiscover, ResourceProblems) {
  json catalog = sample_catalog();
  const json* orders = find_entry(catalog, "public-orders");
  const json* logs = find_entry(catalog, "logs");
  ASSERT_NE(orders, nullptr);
  EXPECT_TRUE(resource_problems({{"tap_stream_id", "public-orders"},
                                 {"replication_method", "INCREMENTAL"},
                                 {"replication_key", "updated_at"}},
                                orders)
                  .empty());
  EXPECT_EQ(resource_problems({{"tap_stream_id", "public-orders"},
                               {"replication_method", "INCREMENTAL"},
                               {"replication_key", "nope"}},
                              orders)
                .size(),
            1U);
  EXPECT_EQ(resource_problems(
                {{"tap_stream_id", "public-orders"}, {"replication_method", "INCREMENTAL"}}, orders)
                .size(),
            1U);
  EXPECT_EQ(
      resource_problems({{"tap_stream_id", "logs"}, {"replication_method", "LOG_BASED"}}, logs)
          .size(),
      1U);
  EXPECT_EQ(
      resource_problems({{"tap_stream_id", "logs"}, {"replication_method", "SOMETIMES"}}, logs)
          .size(),
      2U);
  EXPECT_EQ(
      resource_problems({{"tap_stream_id", "public-orders"}, {"fields", {"id", "zzz"}}}, orders)
          .size(),
      1U);
  EXPECT_EQ(resource_problems(json::object(), nullptr).size(), 1U);
}

}  // namespace
