// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/capture.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

/// The catalog a tap syncs from, built at open from the bound bindings.
///
/// Example:
///   auto catalog = flow::singer::open_catalog(open.capture.bindings, &discovered);
///   auto flag = flow::singer::catalog_flag_from_help(help_text);
///   auto args = flow::singer::catalog_arguments(flag, catalog_path);
namespace flow::singer {

/// How a tap takes its catalog. singer-python taps accept both `--properties` (legacy taps
/// read only that one) and `--catalog`; Meltano SDK taps accept only `--catalog`.
enum class CatalogFlag { catalog, properties, both };

/// Parses "catalog", "properties" or "both"; throws flow::ConfigError otherwise.
CatalogFlag parse_catalog_flag(std::string_view name);

/// Picks the flag from the tap's `--help` text: both when it lists `--properties` and
/// `--catalog`, properties when it lists only that, catalog otherwise.
CatalogFlag catalog_flag_from_help(std::string_view help_text);

/// The command-line arguments that hand `path` to the tap.
std::vector<std::string> catalog_arguments(CatalogFlag flag, const std::string& path);

/// A Singer catalog with one selected entry per binding, in binding order. Each entry is the
/// tap's own discovered entry when `discovered` has it (so taps get back the metadata they
/// wrote), else one made from the collection (its schema minus `_meta`, and key_properties
/// from top-level key pointers). The stream's metadata gets `selected`, `replication-method`
/// and `replication-key`; each property gets `selected` per the resource config's `fields`
/// (automatic fields, key properties and the replication key are always selected;
/// unsupported ones never).
nlohmann::json open_catalog(const std::vector<capture::Binding>& bindings,
                            const nlohmann::json* discovered);

}  // namespace flow::singer
