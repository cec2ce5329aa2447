// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flow-local/catalog.hpp"
#include "flow-local/response_check.hpp"

/// The capture protocol from the runtime's side: building the requests flow-local sends
/// (validate, apply, open) from the catalog, and checking the cold-path responses (spec,
/// discovered, validated, applied, opened, checkpoint) against PROTOCOL.md §3.
///
/// Example:
///   auto bindings = enabled_bindings(capture);
///   std::string request = validate_request(catalog, capture, bindings);
///   ... run it, then:
///   check_validated(response, bindings, catalog, pointers, conformance);
namespace flow::local {

/// Response kinds of the capture protocol (json_names).
inline constexpr std::array<std::string_view, 10> kCaptureResponseKinds = {
    "spec",     "discovered", "validated",     "applied",       "opened",
    "captured", "checkpoint", "sourcedSchema", "backfillBegin", "backfillComplete"};

/// The capture bindings the runtime would build: the ones not disabled.
std::vector<const CaptureBinding*> enabled_bindings(const CaptureDef& capture);

/// A collection as a flow.CollectionSpec JSON object (name, writeSchema[, readSchema], key,
/// uuidPtr, projections of the key).
OrderedJson collection_spec(const CollectionDef& collection);

/// `{"spec":{"connectorType":"LOCAL","config":<config>}}`.
std::string spec_request(const CaptureDef& capture);
/// `{"discover":{"connectorType":"LOCAL","config":…,"name":…}}`.
std::string discover_request(const CaptureDef& capture);
std::string validate_request(const Catalog& catalog,
                             const CaptureDef& capture,
                             const std::vector<const CaptureBinding*>& bindings);
/// The CaptureSpec the runtime builds: bindings with resourcePath (from Validated) and stateKey.
OrderedJson capture_spec(const Catalog& catalog,
                         const CaptureDef& capture,
                         const std::vector<const CaptureBinding*>& bindings,
                         const std::vector<std::vector<std::string>>& resource_paths);
std::string apply_request(const OrderedJson& capture_spec);
/// `state` is the reduced connector state (an object).
std::string open_request(const OrderedJson& capture_spec, const nlohmann::json& state);

/// Flow's stateKey for a binding: the resource path components, percent-encoded and joined by
/// "%2F", plus ".v<backfill>" when backfill > 0. Pure.
std::string state_key(const std::vector<std::string>& resource_path, std::uint32_t backfill);

/// The resource path a resourceConfig implies under `pointers` (resourcePathPointers). Pure.
std::vector<std::string> resource_path_of(const nlohmann::json& resource_config,
                                          const std::vector<std::string>& pointers);

// ---- response checks (report through `conformance`) --------------------------------------

/// Spec: known fields, protocol 3032023, schemas are objects. Returns resourcePathPointers.
std::vector<std::string> check_spec(const Response& response, Conformance& conformance);
/// The resourcePathPointers of a spec response (no checks). Pure.
std::vector<std::string> resource_path_pointers_of(const Response& spec);
/// check_spec, for run_unary's internal-spec hook.
void check_spec_hook(const Response& response, Conformance& conformance);
/// Discovered: known fields; each binding has recommendedName, resourceConfig object,
/// documentSchema object, key = non-empty list of JSON pointers; recommended names unique.
void check_discovered(const Response& response, Conformance& conformance);
/// Validated: one resourcePath per request binding, in order, unique; when the spec declared
/// resourcePathPointers, each path must equal what they point to in the binding's
/// resourceConfig. Returns the paths (best effort in lenient mode).
std::vector<std::vector<std::string>> check_validated(
    const Response& response,
    const std::vector<const CaptureBinding*>& bindings,
    const std::vector<std::string>& resource_path_pointers,
    Conformance& conformance);
void check_applied(const Response& response, Conformance& conformance);
/// Opened: known fields. Returns explicitAcknowledgements.
bool check_opened(const Response& response, Conformance& conformance);

/// A checkpoint's state, checked: `state` present with an object `updated`.
struct CheckpointState {
  nlohmann::json updated = nlohmann::json::object();
  bool merge_patch = false;
};
std::optional<CheckpointState> check_checkpoint(const Response& response, Conformance& conformance);

}  // namespace flow::local
