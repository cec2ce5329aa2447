// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// JSON-schema helpers for Singer streams: the `_meta` the shim adds to every document, the
/// discovered collection schema, and the closed schema a `sourcedSchema` must carry.
///
/// Example:
///   auto doc_schema = flow::singer::document_schema(entry["schema"], {"/id"}, true);
///   auto closed = flow::singer::closed_schema(schema_message["schema"]);
namespace flow::singer {

/// The schema of the `_meta` object the shim writes: op (c/u/d), row_id, and the Singer
/// `time_extracted` and `version` when the tap sends them.
nlohmann::json meta_schema();

/// The collection schema for a discovered stream: the tap's schema with `_meta` added (and
/// required), key properties made required and non-null (Flow keys must always exist),
/// `x-infer-schema` when `infer` is set, and a delete reduction for `_meta.op == "d"` so
/// ACTIVATE_VERSION deletions remove documents. `key` holds JSON pointers.
nlohmann::json document_schema(const nlohmann::json& tap_schema,
                               const std::vector<std::string>& key,
                               bool infer);

/// A closed ("maximally restrictive") copy of a Singer SCHEMA message's schema for a
/// `sourcedSchema` response: every object schema that lists properties gets
/// `additionalProperties: false` unless it says otherwise, and the root gets `_meta`.
nlohmann::json closed_schema(const nlohmann::json& tap_schema);

/// The tap's schema without what the shim added (`_meta`, inference and reduction
/// annotations), for handing a collection schema back to a tap in a catalog.
nlohmann::json tap_schema_from_collection(const nlohmann::json& collection_schema);

/// A stable 64-bit FNV-1a digest of `text`, as 16 hex digits (used to notice schema changes
/// across sessions without storing whole schemas in the state).
std::string digest_hex(const std::string& text);

}  // namespace flow::singer
