// SPDX-License-Identifier: Apache-2.0
// Pure translators of open: the catalog handed to the tap, and state in both directions.
#include <gtest/gtest.h>

#include <flow/error.hpp>
#include <flow/singer/catalog.hpp>
#include <flow/singer/discover.hpp>
#include <flow/singer/schema.hpp>
#include <flow/singer/state.hpp>

namespace {

using nlohmann::json;
using namespace flow::singer;

json field_selected(const json& entry, const std::string& field) {
  for (const auto& item : entry["metadata"]) {
    if (item["breadcrumb"] == json({"properties", field})) {
      return item["metadata"].value("selected", json());
    }
  }
  return nullptr;
}

json stream_metadata(const json& entry) {
  for (const auto& item : entry["metadata"]) {
    if (item["breadcrumb"] == json::array()) {
      return item["metadata"];
    }
  }
  return nullptr;
}

TEST(SingerCatalog, UsesTheTapsEntryAndSelects) {
  json discovered = json::parse(R"({"streams":[
    {"tap_stream_id":"orders","stream":"orders","schema":{"type":"object","properties":{
      "id":{"type":"integer"},"updated":{"type":"string"},"a":{"type":"string"},
      "b":{"type":"string"},"x":{"type":"string"}}},
     "metadata":[{"breadcrumb":[],"metadata":{"table-key-properties":["id"],"sql-datatype":"t"}},
       {"breadcrumb":["properties","x"],"metadata":{"inclusion":"unsupported"}}]},
    {"tap_stream_id":"other","stream":"other","schema":{}}]})");
  flow::capture::Binding binding;
  binding.resource_config = {{"tap_stream_id", "orders"},
                             {"replication_method", "INCREMENTAL"},
                             {"replication_key", "updated"},
                             {"fields", {"a"}}};
  json catalog = open_catalog({binding}, &discovered);
  ASSERT_EQ(catalog["streams"].size(), 1U);  // only bound streams
  const json& entry = catalog["streams"][0];
  json meta = stream_metadata(entry);
  EXPECT_EQ(meta["selected"], true);
  EXPECT_EQ(meta["replication-method"], "INCREMENTAL");
  EXPECT_EQ(meta["replication-key"], "updated");
  EXPECT_EQ(meta["sql-datatype"], "t");  // the tap's own metadata survives
  EXPECT_EQ(entry["replication_key"], "updated");
  EXPECT_EQ(entry["schema"]["selected"], true);
  EXPECT_EQ(field_selected(entry, "a"), true);
  EXPECT_EQ(field_selected(entry, "b"), false);
  EXPECT_EQ(field_selected(entry, "id"), true);       // key property
  EXPECT_EQ(field_selected(entry, "updated"), true);  // replication key
  EXPECT_EQ(field_selected(entry, "x"), false);       // unsupported
}

TEST(SingerCatalog, BuildsAnEntryFromTheCollectionWhenTheTapDoesNotList) {
  flow::capture::Binding binding;
  binding.resource_config = {{"tap_stream_id", "items"}, {"stream", "items"}};
  binding.collection.key = {"/id", "/_meta/row_id"};
  binding.collection.write_schema = document_schema(
      {{"type", "object"}, {"properties", {{"id", {{"type", "string"}}}}}}, {"/id"}, true);
  json catalog = open_catalog({binding}, nullptr);
  const json& entry = catalog["streams"][0];
  EXPECT_EQ(entry["key_properties"], json({"id"}));
  EXPECT_FALSE(entry["schema"]["properties"].contains("_meta"));
  EXPECT_EQ(entry["replication_method"], "FULL_TABLE");
  EXPECT_FALSE(stream_metadata(entry).contains("replication-key"));
  EXPECT_EQ(field_selected(entry, "id"), true);

  flow::capture::Binding bad;
  EXPECT_THROW(open_catalog({bad}, nullptr), flow::ConfigError);
}

TEST(SingerCatalog, FlagFromHelp) {
  EXPECT_EQ(catalog_flag_from_help("usage: tap [-c CONFIG] [-s STATE] [-p PROPERTIES] "
                                   "[--catalog CATALOG] [-d]\n  -p PROPERTIES, --properties"),
            CatalogFlag::both);
  EXPECT_EQ(catalog_flag_from_help("  --properties FILE"), CatalogFlag::properties);
  EXPECT_EQ(catalog_flag_from_help("Options:\n  --catalog TEXT\n  --discover"),
            CatalogFlag::catalog);
  EXPECT_EQ(catalog_arguments(CatalogFlag::both, "/c.json"),
            (std::vector<std::string>{"--properties", "/c.json", "--catalog", "/c.json"}));
  EXPECT_EQ(parse_catalog_flag("properties"), CatalogFlag::properties);
  EXPECT_THROW(parse_catalog_flag("x"), flow::ConfigError);
}

TEST(SingerState, MergeDiffRoundTrips) {
  json before = {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"gone", true}};
  json after = {{"a", 1}, {"b", {{"c", 2}, {"d", 4}}}, {"new", {1, 2}}};
  json patch = merge_diff(before, after);
  EXPECT_EQ(patch, json({{"b", {{"d", 4}}}, {"gone", nullptr}, {"new", {1, 2}}}));
  json applied = before;
  applied.merge_patch(patch);
  EXPECT_EQ(applied, after);
  EXPECT_EQ(merge_diff(json(1), json("x")), json("x"));
}

TEST(SingerState, TapStateFromFlowState) {
  json flow_state = {
      {kBindingStateKey,
       {{"orders.v2", {{"updated", "2024"}, {kLegacyRowCounterKey, 7}}}, {"unbound", {{"x", 1}}}}},
      {kSharedStateKey, {{"currently_syncing", "orders"}}},
      {kShimStateKey, {{"orders.v2", {{"rowId", 9}}}}}};
  StateTranslator states({{"public-orders", "orders", "orders.v2"}, {"users", "users", "users"}},
                         flow_state);
  EXPECT_EQ(states.tap_state(), json({{"bookmarks", {{"public-orders", {{"updated", "2024"}}}}},
                                      {"currently_syncing", "orders"}}));
  StateTranslator empty({{"a", "a", "a"}}, json::object());
  EXPECT_EQ(empty.tap_state(), json::object());
}

TEST(SingerState, PatchesOnlyWhatChanged) {
  StateTranslator states({{"orders", "orders", "k1"}, {"users", "users", "k2"}},
                         {{kBindingStateKey, {{"k1", {{"c", 1}}}}}});
  json flow_state = {{kBindingStateKey, {{"k1", {{"c", 1}}}}}};

  json patch = states.patch_for(
      {{"bookmarks", {{"orders", {{"c", 1}}}, {"users", {{"u", 5}}}, {"unknown", {{"z", 0}}}}},
       {"currently_syncing", "users"}});
  EXPECT_EQ(patch, json({{kBindingStateKey, {{"k2", {{"u", 5}}}}},
                         {kSharedStateKey, {{"currently_syncing", "users"}}}}));
  flow_state.merge_patch(patch);

  EXPECT_EQ(states.patch_for({{"bookmarks", {{"orders", {{"c", 1}}}, {"users", {{"u", 5}}}}},
                              {"currently_syncing", "users"}}),
            json::object());

  patch = states.patch_for({{"bookmarks", {{"orders", {{"c", 2}}}, {"users", {{"u", 5}}}}}});
  EXPECT_EQ(patch, json({{kBindingStateKey, {{"k1", {{"c", 2}}}}},
                         {kSharedStateKey, {{"currently_syncing", nullptr}}}}));
  flow_state.merge_patch(patch);
  EXPECT_EQ(flow_state, json({{kBindingStateKey, {{"k1", {{"c", 2}}}, {"k2", {{"u", 5}}}}},
                              {kSharedStateKey, json::object()}}));

  // A dropped bookmark is removed; a bookmark keyed by stream name is accepted.
  StateTranslator by_name({{"public-orders", "orders", "k"}}, json::object());
  EXPECT_EQ(by_name.patch_for({{"bookmarks", {{"orders", 1}}}}),
            json({{kBindingStateKey, {{"k", 1}}}}));
  EXPECT_EQ(by_name.patch_for({{"bookmarks", json::object()}}),
            json({{kBindingStateKey, {{"k", nullptr}}}}));
  EXPECT_THROW(states.patch_for(json::array()), flow::Error);
}

}  // namespace
