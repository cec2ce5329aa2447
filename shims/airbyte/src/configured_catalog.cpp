// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <flow/airbyte/configured_catalog.hpp>
#include <flow/airbyte/discover_translation.hpp>
#include <flow/error.hpp>

#include "pointer_tokens.hpp"

namespace flow::airbyte {

ResourceConfig parse_resource_config(const nlohmann::json& rc) {
  if (!rc.is_object()) {
    throw flow::ConfigError("resource config " + rc.dump() + " is not an object");
  }
  ResourceConfig out;
  auto stream = rc.find("stream");
  if (stream == rc.end() || !stream->is_string() || stream->get<std::string>().empty()) {
    throw flow::ConfigError("resource config " + rc.dump() + " has no `stream`");
  }
  out.stream = stream->get<std::string>();
  if (auto ns = rc.find("namespace"); ns != rc.end() && ns->is_string()) {
    out.ns = ns->get<std::string>();
  }
  out.sync_mode = rc.value("syncMode", std::string("full_refresh"));
  if (out.sync_mode != "full_refresh" && out.sync_mode != "incremental") {
    throw flow::ConfigError("resource config of stream '" + out.stream + "': syncMode '" +
                            out.sync_mode + "' is neither full_refresh nor incremental");
  }
  if (auto cursor = rc.find("cursorField"); cursor != rc.end() && !cursor->is_null()) {
    if (!cursor->is_array() ||
        !std::all_of(cursor->begin(), cursor->end(), [](const auto& c) { return c.is_string(); })) {
      throw flow::ConfigError("resource config of stream '" + out.stream +
                              "': cursorField must be a list of strings");
    }
    out.cursor_field = cursor->get<std::vector<std::string>>();
  }
  return out;
}

std::vector<std::vector<std::string>> pointers_to_key(const std::vector<std::string>& pointers) {
  std::vector<std::vector<std::string>> key;
  key.reserve(pointers.size());
  for (const auto& pointer : pointers) {
    key.push_back(detail::pointer_tokens(pointer));
  }
  return key;
}

nlohmann::json configured_catalog(const std::vector<flow::capture::Binding>& bindings) {
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& binding : bindings) {
    auto rc = parse_resource_config(binding.resource_config);
    nlohmann::json stream = {{"name", rc.stream},
                             {"json_schema", binding.collection.write_schema.is_object()
                                                 ? binding.collection.write_schema
                                                 : nlohmann::json::object()},
                             {"supported_sync_modes", {rc.sync_mode}}};
    if (!rc.ns.empty()) {
      stream["namespace"] = rc.ns;
    }
    nlohmann::json configured = {{"stream", stream},
                                 {"sync_mode", rc.sync_mode},
                                 {"destination_sync_mode", "append"},
                                 {"generation_id", binding.backfill},
                                 {"minimum_generation_id", 0},
                                 {"sync_id", 0}};
    if (!rc.cursor_field.empty()) {
      configured["cursor_field"] = rc.cursor_field;
    }
    const auto& key = binding.collection.key;
    const bool row_id_key = std::any_of(
        key.begin(), key.end(), [](const std::string& p) { return p.rfind("/_meta/", 0) == 0; });
    if (!key.empty() && !row_id_key) {
      configured["primary_key"] = pointers_to_key(key);
    }
    streams.push_back(std::move(configured));
  }
  return {{"streams", streams}};
}

std::vector<ReadBinding> read_bindings(const std::vector<flow::capture::Binding>& bindings) {
  std::vector<ReadBinding> out;
  for (const auto& binding : bindings) {
    auto rc = parse_resource_config(binding.resource_config);
    const auto& key = binding.collection.key;
    RowIdMode mode = RowIdMode::none;
    if (std::find(key.begin(), key.end(), kRowIdPointer) != key.end()) {
      mode = rc.sync_mode == "incremental" ? RowIdMode::persistent : RowIdMode::per_sweep;
    }
    // Runtimes older than stateKey send none: key state by the resource path instead.
    std::string state_key = binding.state_key;
    if (state_key.empty()) {
      state_key = rc.ns.empty() ? rc.stream : rc.ns + "/" + rc.stream;
    }
    out.push_back({rc.stream, rc.ns, state_key, mode});
  }
  return out;
}

}  // namespace flow::airbyte
