// SPDX-License-Identifier: Apache-2.0
// flow-local's materialize protocol pieces as pure functions: fixture loading, transaction
// reduction, request lines (JSON and packed), field selection from `validated`, checkpoints.

#include <gtest/gtest.h>

#include <flow/process/temp_dir.hpp>
#include <flow/tuple.hpp>
#include <string>
#include <vector>

#include "flow-local/console.hpp"
#include "flow-local/materialize_protocol.hpp"

namespace {

using flow::local::BindingPlan;
using nlohmann::json;

BindingPlan orders_plan(bool delta = false) {
  BindingPlan plan;
  plan.collection = "acmeCo/orders";
  plan.key_ptrs = {"/id"};
  plan.keys = {"id"};
  plan.values = {"amount", "name"};
  plan.value_ptrs = {"/amount", "/name"};
  plan.document = "flow_document";
  plan.delta_updates = delta;
  return plan;
}

TEST(RunnerMaterializeProtocol, TransactionsReduceByKeyLastWriteWins) {
  const flow::local::FixtureTransaction txn = {
      {"acmeCo/orders", {{"id", 1}, {"amount", 1}}},
      {"acmeCo/other", {{"id", 9}}},
      {"acmeCo/orders", {{"id", 2}, {"amount", 2}}},
      {"acmeCo/orders", {{"id", 1}, {"amount", 3}, {"_meta", {{"op", "d"}}}}},
  };
  const auto planned = flow::local::plan_transaction(txn, {orders_plan(), orders_plan(true)});
  // Binding 0 loads each key once; binding 1 (delta) never loads.
  EXPECT_EQ(planned.loads,
            (std::vector<std::pair<std::uint32_t, std::string>>{{0, "[1]"}, {0, "[2]"}}));
  ASSERT_EQ(planned.stores.size(), 4u);
  EXPECT_EQ(planned.stores[0].key, "[1]");
  EXPECT_EQ(planned.stores[0].doc["amount"], 3);  // the last document for key 1 wins
  EXPECT_TRUE(planned.stores[0].is_delete);
  EXPECT_EQ(planned.stores[0].fixture_index, 4u);
  EXPECT_EQ(planned.stores[2].binding, 0u);
  EXPECT_EQ(planned.stores[2].key, "[2]");
}

TEST(RunnerMaterializeProtocol, RequestLinesJsonAndPacked) {
  const BindingPlan plan = orders_plan();
  flow::local::PlannedStore store{.binding = 0,
                                  .key = "[7]",
                                  .doc = {{"id", 7}, {"name", "x"}},
                                  .is_delete = false,
                                  .fixture_index = 1};
  EXPECT_EQ(flow::local::store_request(store, plan, true, false),
            R"({"store":{"key":[7],"values":[null,"x"],"doc":{"id":7,"name":"x"},"exists":true}})");
  // 7 → 0x15 0x07 = "FQc="; [null,"x"] → 0x00 0x02 'x' 0x00 = "AAJ4AA==".
  EXPECT_EQ(
      flow::local::store_request(store, plan, false, true),
      R"({"store":{"keyPacked":"FQc=","valuesPacked":"AAJ4AA==","doc":{"id":7,"name":"x"}}})");
  store.binding = 2;
  store.is_delete = true;
  EXPECT_EQ(flow::local::store_request(store, plan, true, false),
            R"({"store":{"binding":2,"key":[7],"values":[null,"x"],"doc":{"id":7,"name":"x"},)"
            R"("exists":true,"delete":true}})");
  EXPECT_EQ(flow::local::load_request(0, "[7]", false), R"({"load":{"key":[7]}})");
  EXPECT_EQ(flow::local::load_request(1, R"(["a"])", true),
            R"({"load":{"binding":1,"keyPacked":"AmEA"}})");
}

TEST(RunnerMaterializeProtocol, CheckpointsRoundTrip) {
  const auto line = json::parse(flow::local::start_commit_request(3));
  EXPECT_EQ(flow::local::committed_transactions(line["startCommit"]["runtimeCheckpoint"]), 3u);
  EXPECT_EQ(flow::local::committed_transactions(json::object()), std::nullopt);
  EXPECT_EQ(flow::local::committed_transactions({{"sources", {{"other", {{"readThrough", "5"}}}}}}),
            std::nullopt);
}

TEST(RunnerMaterializeProtocol, FixtureFormats) {
  flow::process::TempDir dir("fixture");
  const auto array =
      dir.write_file("a.json", R"([[["c",{"id":1}],["c",{"id":2}]],[["c",{"id":3}]]])");
  const auto ndjson = dir.write_file(
      "b.jsonl", "[\"c\",{\"id\":1}]\n[\"c\",{\"id\":2}]\n{\"commit\":true}\n[\"c\",{\"id\":3}]\n");
  for (const auto& path : {array, ndjson}) {
    const auto fixture = flow::local::load_materialize_fixture(path);
    ASSERT_EQ(fixture.size(), 2u) << path;
    EXPECT_EQ(fixture[0].size(), 2u);
    EXPECT_EQ(fixture[1][0].second["id"], 3);
  }
  const auto bad = dir.write_file("c.json", R"([[["c",5]]])");
  EXPECT_THROW(flow::local::load_materialize_fixture(bad), flow::ConfigError);
}

TEST(RunnerMaterializeProtocol, FieldSelectionFromEitherConstraintForm) {
  flow::process::TempDir dir("catalog");
  const auto path = dir.write_file("flow.yaml", R"(collections:
  acmeCo/orders:
    schema:
      type: object
      properties: {id: {type: integer}, amount: {type: number}, name: {type: string}, nope: {type: "null"}}
    key: [/id]
materializations:
  acmeCo/m:
    endpoint: {local: {command: ["true"], config: {}}}
    bindings:
      - source: acmeCo/orders
        resource: {table: orders}
        fields: {exclude: [name]}
)");
  const auto catalog = flow::local::Catalog::load(path);
  const auto bindings =
      flow::local::materialize_bindings(catalog, catalog.materialization(std::nullopt));
  flow::local::Console console({.json = true, .tty = false});
  flow::local::Conformance conformance(console, false);
  for (
      const std::string constraints :
      {R"("projectionConstraints":[{"field":"id","constraint":{"type":"LOCATION_REQUIRED"}},)"
       R"({"field":"flow_document","constraint":{"type":"LOCATION_REQUIRED"}},)"
       R"({"field":"amount","constraint":{"type":"FIELD_OPTIONAL"}},)"
       R"({"field":"name","constraint":{"type":"FIELD_OPTIONAL"}},)"
       R"({"field":"nope","constraint":{"type":"FIELD_FORBIDDEN"}}])",
       R"("constraints":{"id":{"type":"LOCATION_REQUIRED"},"flow_document":{"type":"LOCATION_REQUIRED"},)"
       R"("amount":{"type":"FIELD_OPTIONAL"},"name":{"type":"FIELD_OPTIONAL"},"nope":{"type":"FIELD_FORBIDDEN"}})"}) {
    flow::local::Response r;
    r.kind = "validated";
    r.text = R"({"validated":{"bindings":[{)" + constraints + R"(,"resourcePath":["orders"]}]}})";
    r.line = 2;
    r.body = flow::local::OrderedJson::parse(r.text)["validated"];
    const auto plans = flow::local::plan_bindings(r, catalog, bindings, conformance);
    ASSERT_EQ(plans.size(), 1u);
    EXPECT_EQ(plans[0].keys, std::vector<std::string>{"id"});
    EXPECT_EQ(plans[0].values,
              std::vector<std::string>{"amount"});  // name excluded, nope forbidden
    EXPECT_EQ(plans[0].document, "flow_document");
    EXPECT_EQ(plans[0].resource_path, std::vector<std::string>{"orders"});
  }
}

}  // namespace
