// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/capture.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

/// Airbyte CATALOG → Flow discovered bindings: pure translation, no I/O.
namespace flow::airbyte {

/// The key every stream without a primary key falls back to.
inline constexpr std::string_view kRowIdPointer = "/_meta/row_id";

struct DiscoverOptions {
  /// Per-stream key overrides (stream name → JSON pointers), winning over the source's key.
  std::map<std::string, std::vector<std::string>> key_overrides;
  /// When set, only these streams are enabled; the others are discovered with disable:true.
  std::optional<std::set<std::string>> selected_streams;
  /// Streams left out of the discovered bindings altogether.
  std::set<std::string> omitted_streams;
  /// Adds `x-infer-schema: true` and the `_meta/op == "d"` delete reduction to schemas.
  bool schema_inference = false;
};

struct DiscoverResult {
  std::vector<flow::capture::DiscoveredBinding> bindings;
  /// Why a stream was skipped or disabled, one sentence each, for the log.
  std::vector<std::string> warnings;
};

/// Translates an Airbyte catalog (`{"streams":[AirbyteStream…]}`) into one binding per stream:
///  - recommendedName: sanitize_name(stream name), prefixed by the namespace when two streams
///    share a name;
///  - resourceConfig: {stream, namespace?, syncMode (incremental when supported), cursorField?
///    (default_cursor_field; omitted when the source defines its cursor and declares none)};
///  - key: the override, else source_defined_primary_key as RFC 6901 pointers, else
///    `/_meta/row_id` (isFallbackKey);
///  - documentSchema: json_schema plus `_meta {op, row_id}`, key locations required and
///    non-null.
/// One broken stream never fails the discover: it is disabled (or, without a usable name,
/// skipped) and a warning says why.
///
/// Example:
///   auto result = flow::airbyte::translate_catalog(message["catalog"], {});
///   for (const auto& warning : result.warnings) flow::log::warn(warning);
DiscoverResult translate_catalog(const nlohmann::json& catalog, const DiscoverOptions& options);

/// An Airbyte key (`"id"`, `["a","b"]` or `[["a","b/c"],["d"]]`) as JSON pointers
/// (`["/a/b~1c","/d"]`). Throws flow::Error for any other shape.
std::vector<std::string> key_to_pointers(const nlohmann::json& airbyte_key);

/// A Flow-safe collection name: letters, digits and `-_.` kept, `/` separates
/// segments (empty segments dropped), anything else becomes `_`.
///
/// Example:
///   sanitize_name("Sales Report/2024 (EU)")  // "Sales_Report/2024__EU_"
std::string sanitize_name(std::string_view name);

/// Adds `_meta {op, row_id}` to a document schema and makes each key location required and
/// non-null. `row_id_key` says the key is `/_meta/row_id`.
nlohmann::json document_schema(nlohmann::json json_schema,
                               const std::vector<std::string>& key,
                               bool schema_inference);

}  // namespace flow::airbyte
