// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "flow-local/catalog.hpp"
#include "flow-local/response_check.hpp"

/// The materialize protocol from the runtime's side (PROTOCOL.md §4): the requests
/// flow-local sends (validate, apply, open, load, store, …) built from the catalog and a
/// fixture, the field selection it derives from `validated` (as the control plane does),
/// and the checks of the connector's responses. Shared by `preview` and
/// `raw materialize-fixture`.
///
/// Example:
///   auto bindings = materialize_bindings(catalog, materialization);
///   std::string request = materialize_validate_request(catalog, materialization, bindings);
///   ... run it, then:
///   auto plans = plan_bindings(validated, catalog, bindings, conformance);
///   auto txn = plan_transaction(fixture[0], plans);
namespace flow::local {

inline constexpr std::array<std::string_view, 8> kMaterializeResponseKinds = {
    "spec", "validated", "applied", "opened", "acknowledged", "loaded", "flushed", "startedCommit"};

/// The checkpoint source flow-local puts in every startCommit; a destination-authoritative
/// connector hands it back in `opened`, and preview resumes after that transaction.
inline constexpr std::string_view kFixtureSource = "flow-local/fixture";

/// A binding of the materialization as flow.yaml declares it.
struct MaterializeBindingDef {
  std::string source;  ///< collection name
  nlohmann::json resource = nlohmann::json::object();
  bool recommended = true;           ///< fields.recommended
  std::vector<std::string> include;  ///< fields.include (field names)
  std::vector<std::string> exclude;  ///< fields.exclude
  std::uint32_t backfill = 0;
};

/// What flow-local derived for one binding: the field selection and how to extract it.
struct BindingPlan {
  std::string collection;
  std::vector<std::string> key_ptrs;  ///< the collection key: Load/Store key elements
  std::vector<std::string> keys;      ///< key field names
  std::vector<std::string> values;    ///< value field names (sorted)
  std::vector<std::string> value_ptrs;
  std::string document;  ///< root document field, "" when not selected
  bool delta_updates = false;
  std::vector<std::string> resource_path;
  MaterializeBindingDef def;
};

/// The enabled bindings (`disable: true` skipped). Throws CatalogError for a bad stanza.
std::vector<MaterializeBindingDef> materialize_bindings(const Catalog& catalog,
                                                        const MaterializationDef& materialization);

/// A flow.CollectionSpec for materializations: key, schema, and projections of the root
/// document ("flow_document"), of every top-level schema property, and of every key pointer,
/// with inferred `types`.
OrderedJson materialize_collection_spec(const CollectionDef& collection);

std::string materialize_validate_request(const Catalog& catalog,
                                         const MaterializationDef& materialization,
                                         const std::vector<MaterializeBindingDef>& bindings);

/// Checks `validated` (one binding per request binding; known fields; constraint types;
/// unique resource paths) and derives each binding's field selection: key fields, then
/// required fields, recommended (optional) top-level fields unless excluded, included ones,
/// and the root document unless it is forbidden. Reports conformance violations.
std::vector<BindingPlan> plan_bindings(const Response& validated,
                                       const Catalog& catalog,
                                       const std::vector<MaterializeBindingDef>& bindings,
                                       Conformance& conformance);

/// The MaterializationSpec sessions open with.
OrderedJson materialization_spec(const Catalog& catalog,
                                 const MaterializationDef& materialization,
                                 const std::vector<BindingPlan>& plans);
std::string materialize_apply_request(const OrderedJson& spec);
std::string materialize_open_request(const OrderedJson& spec, const nlohmann::json& state);
/// startCommit with checkpoint {"sources":{"flow-local/fixture":{"readThrough":"<n>"}}}.
std::string start_commit_request(std::size_t transactions_done);
/// The transactions a runtime checkpoint says were committed (our synthetic source), or
/// nullopt when it has none. Pure.
std::optional<std::size_t> committed_transactions(const nlohmann::json& runtime_checkpoint);

// ---- Fixture and transactions (pure) --------------------------------------------------------

/// One fixture transaction: [collection, document] pairs.
using FixtureTransaction = std::vector<std::pair<std::string, nlohmann::json>>;

/// PROTOCOL.md §6: a JSON array of transactions of [collection, doc] pairs, or NDJSON of
/// pairs with {"commit":true} lines ending each transaction. Throws flow::ConfigError.
std::vector<FixtureTransaction> load_materialize_fixture(const std::string& path);

struct PlannedStore {
  std::uint32_t binding = 0;
  std::string key;                ///< JSON array text
  nlohmann::json doc;             ///< the reduced document (last write wins)
  bool is_delete = false;         ///< the document's /_meta/op is "d"
  std::size_t fixture_index = 0;  ///< position in the fixture transaction (1-based), for errors
};

struct PlannedTransaction {
  std::vector<std::pair<std::uint32_t, std::string>> loads;  ///< non-delta bindings, unique keys
  std::vector<PlannedStore> stores;
};

/// Reduces a fixture transaction the way the runtime combines documents: per binding whose
/// source is the document's collection, one store per key (the last document wins), in first
/// appearance order; one load per key of a standard (non-delta) binding.
PlannedTransaction plan_transaction(const FixtureTransaction& transaction,
                                    const std::vector<BindingPlan>& plans);

/// The key JSON array of `doc` under `ptrs` (null for absent locations).
std::string extract_array(const nlohmann::json& doc, const std::vector<std::string>& ptrs);

/// `{"load":{"binding":B,"key":[…]}}` or, packed, `{"load":{"binding":B,"keyPacked":"…"}}`.
std::string load_request(std::uint32_t binding, const std::string& key_json, bool packed);
/// A store line; `exists` as the runtime knows it (the key was loaded, or stored earlier).
std::string store_request(const PlannedStore& store,
                          const BindingPlan& plan,
                          bool exists,
                          bool packed);

// ---- Response checks -------------------------------------------------------------------------

void check_materialize_spec(const Response& response, Conformance& conformance);
void check_materialize_applied(const Response& response, Conformance& conformance);
/// Returns opened.runtimeCheckpoint (null when absent).
nlohmann::json check_materialize_opened(const Response& response, Conformance& conformance);

/// A `state` update of applied/flushed/startedCommit/acknowledged.
struct StateUpdate {
  nlohmann::json updated = nlohmann::json::object();
  bool merge_patch = false;
};
std::optional<StateUpdate> check_state_update(const Response& response, Conformance& conformance);

}  // namespace flow::local
