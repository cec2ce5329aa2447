// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/airbyte/read_translator.hpp>
#include <flow/capture.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// Flow Open bindings → the ConfiguredAirbyteCatalog of a `read`: pure translation.
namespace flow::airbyte {

/// The `{stream, syncMode, namespace?, cursorField?}` resource config of a binding.
struct ResourceConfig {
  std::string stream;
  std::string ns;         ///< "" = none
  std::string sync_mode;  ///< "full_refresh" | "incremental"
  std::vector<std::string> cursor_field;
};

/// Parses a binding's resource config. Throws flow::ConfigError naming the field when it is
/// not a valid one (missing stream, unknown syncMode, a cursorField that is not strings).
ResourceConfig parse_resource_config(const nlohmann::json& resource_config);

/// The ConfiguredAirbyteCatalog for `bindings`: per binding, `stream` {name, namespace?,
/// json_schema: the collection's write schema, supported_sync_modes}, `sync_mode`,
/// `cursor_field`, `primary_key` from the collection key (omitted when the key is
/// `/_meta/row_id`), `destination_sync_mode: "append"` and `generation_id` = the binding's
/// backfill counter.
///
/// Example:
///   auto catalog = flow::airbyte::configured_catalog(open.capture.bindings);
///   dir.write_file("catalog.json", catalog.dump());
nlohmann::json configured_catalog(const std::vector<flow::capture::Binding>& bindings);

/// The read-side view of each binding (stream, namespace, stateKey, row-id mode).
std::vector<ReadBinding> read_bindings(const std::vector<flow::capture::Binding>& bindings);

/// JSON pointers as Airbyte key paths: "/a/b~1c" → ["a","b/c"].
std::vector<std::vector<std::string>> pointers_to_key(const std::vector<std::string>& pointers);

}  // namespace flow::airbyte
