// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/capture.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Discovery: a Singer catalog (`tap --config F --discover`) → Flow bindings, and the checks
/// validate runs on a binding's resource config against that catalog.
///
/// Example:
///   auto catalog = flow::singer::parse_catalog_output(tap_stdout);
///   auto bindings = flow::singer::discovered_bindings(catalog, /*infer=*/true);
namespace flow::singer {

/// What the catalog says about one stream (from the entry and its breadcrumb-[] metadata).
struct StreamFacts {
  std::string tap_stream_id;
  std::string stream;
  std::vector<std::string> key_properties;  ///< top-level names (or pointers, see key())
  std::string forced_replication_method;    ///< "" when not forced
  std::vector<std::string> valid_replication_keys;
  std::string replication_method;  ///< what the entry asks for, "" when unset
  std::string replication_key;     ///< what the entry asks for, "" when unset
  std::string inclusion;           ///< "available", "automatic", "unsupported" or ""
  bool selected_by_default = true;

  /// The Flow key: key_properties as JSON pointers ("/" + escaped name; an entry that
  /// already starts with "/" is taken as a pointer), or {"/_meta/row_id"} when there is none.
  [[nodiscard]] std::vector<std::string> key() const;
  [[nodiscard]] bool has_key() const { return !key_properties.empty(); }
};

/// Parses what `--discover` wrote: one JSON document, possibly pretty-printed over many
/// lines. Stray non-JSON lines around it (a tap logging to stdout) are skipped. Throws
/// flow::Error when there is no catalog object with a "streams" array.
nlohmann::json parse_catalog_output(std::string_view text);

/// Reads the facts of one catalog entry. Throws flow::Error when it has no tap_stream_id.
StreamFacts stream_facts(const nlohmann::json& entry);

/// The catalog entry with this tap_stream_id, or nullptr.
const nlohmann::json* find_entry(const nlohmann::json& catalog, std::string_view tap_stream_id);

/// The replication method discovery recommends: the forced one, else INCREMENTAL when the
/// stream has a replication key, else what the entry says, else FULL_TABLE.
std::string recommended_replication_method(const StreamFacts& facts);

/// One binding per stream the tap can sync (streams with `inclusion: unsupported` are left
/// out; `selected-by-default: false` streams come disabled). resourceConfig holds
/// tap_stream_id, stream, replication_method and replication_key; fields the tap marks
/// unsupported are removed from the document schema.
std::vector<capture::DiscoveredBinding> discovered_bindings(const nlohmann::json& catalog,
                                                            bool infer_schema);

/// Problems with a binding's resource config against its catalog entry (nullptr when the
/// stream is not in the catalog): unknown replication method, a method other than the forced
/// one, INCREMENTAL without a replication key or with one the tap does not list, fields the
/// tap does not have. Empty when valid.
std::vector<std::string> resource_problems(const nlohmann::json& resource_config,
                                           const nlohmann::json* entry);

}  // namespace flow::singer
