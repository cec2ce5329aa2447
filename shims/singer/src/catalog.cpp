// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <flow/error.hpp>
#include <flow/singer/catalog.hpp>
#include <flow/singer/discover.hpp>
#include <flow/singer/schema.hpp>
#include <set>

namespace flow::singer {

namespace {

using nlohmann::json;

std::string string_or_empty(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The metadata object at `breadcrumb`, created when missing.
json& metadata_at(json& entry, const json& breadcrumb) {
  json& list = entry["metadata"];
  if (!list.is_array()) {
    list = json::array();
  }
  for (auto& item : list) {
    if (item.is_object() && item.value("breadcrumb", json()) == breadcrumb) {
      json& meta = item["metadata"];
      if (!meta.is_object()) {
        meta = json::object();
      }
      return meta;
    }
  }
  list.push_back({{"breadcrumb", breadcrumb}, {"metadata", json::object()}});
  return list.back()["metadata"];
}

// Top-level property names of single-token key pointers (not under _meta).
std::vector<std::string> key_properties_from_pointers(const std::vector<std::string>& key) {
  std::vector<std::string> names;
  for (const auto& pointer : key) {
    if (pointer.size() < 2 || pointer[0] != '/' || pointer.find('/', 1) != std::string::npos) {
      continue;
    }
    std::string name;
    for (std::size_t i = 1; i < pointer.size(); ++i) {
      if (pointer[i] == '~' && i + 1 < pointer.size()) {
        name += pointer[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        name += pointer[i];
      }
    }
    if (name != "_meta") {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace

CatalogFlag parse_catalog_flag(std::string_view name) {
  if (name == "catalog") {
    return CatalogFlag::catalog;
  }
  if (name == "properties") {
    return CatalogFlag::properties;
  }
  if (name == "both") {
    return CatalogFlag::both;
  }
  throw flow::ConfigError("catalog flag must be catalog, properties or both, not '" +
                          std::string(name) + "'");
}

CatalogFlag catalog_flag_from_help(std::string_view help_text) {
  bool properties = help_text.find("--properties") != std::string_view::npos;
  bool catalog = help_text.find("--catalog") != std::string_view::npos;
  if (properties && catalog) {
    return CatalogFlag::both;
  }
  return properties ? CatalogFlag::properties : CatalogFlag::catalog;
}

std::vector<std::string> catalog_arguments(CatalogFlag flag, const std::string& path) {
  switch (flag) {
    case CatalogFlag::catalog:
      return {"--catalog", path};
    case CatalogFlag::properties:
      return {"--properties", path};
    case CatalogFlag::both:
      return {"--properties", path, "--catalog", path};
  }
  return {"--catalog", path};
}

json open_catalog(const std::vector<capture::Binding>& bindings, const json* discovered) {
  json streams = json::array();
  for (const auto& binding : bindings) {
    const json& resource = binding.resource_config;
    std::string id = string_or_empty(resource, "tap_stream_id");
    if (id.empty()) {
      throw flow::ConfigError("binding for collection '" + binding.collection.name +
                              "' has no tap_stream_id in its resource config");
    }
    const json* found = discovered != nullptr ? find_entry(*discovered, id) : nullptr;
    json entry;
    if (found != nullptr) {
      entry = *found;
    } else {
      std::string stream = string_or_empty(resource, "stream");
      entry = {{"tap_stream_id", id},
               {"stream", stream.empty() ? id : stream},
               {"schema", tap_schema_from_collection(binding.collection.write_schema)},
               {"key_properties", key_properties_from_pointers(binding.collection.key)},
               {"metadata", json::array()}};
    }
    if (!entry["schema"].is_object()) {
      entry["schema"] = json::object();
    }

    std::string method = string_or_empty(resource, "replication_method");
    if (method.empty()) {
      method = "FULL_TABLE";
    }
    std::string replication_key = string_or_empty(resource, "replication_key");
    entry["replication_method"] = method;
    entry["schema"]["selected"] = true;  // legacy taps read selection from the schema
    json& stream_meta = metadata_at(entry, json::array());
    stream_meta["selected"] = true;
    stream_meta["replication-method"] = method;
    if (method == "INCREMENTAL" && !replication_key.empty()) {
      entry["replication_key"] = replication_key;
      stream_meta["replication-key"] = replication_key;
    } else {
      entry.erase("replication_key");
      stream_meta.erase("replication-key");
    }

    // Field selection.
    std::set<std::string> always;
    for (const auto& name : stream_facts(entry).key_properties) {
      always.insert(name);
    }
    if (!replication_key.empty()) {
      always.insert(replication_key);
    }
    const json* fields = resource.contains("fields") && resource["fields"].is_array()
                             ? &resource["fields"]
                             : nullptr;
    auto properties = entry["schema"].find("properties");
    if (properties != entry["schema"].end() && properties->is_object()) {
      for (const auto& [name, _] : properties->items()) {
        json& field_meta = metadata_at(entry, json::array({"properties", name}));
        std::string inclusion = string_or_empty(field_meta, "inclusion");
        bool selected = true;
        if (inclusion == "unsupported") {
          selected = false;
        } else if (fields != nullptr && inclusion != "automatic" && always.count(name) == 0) {
          selected = std::find(fields->begin(), fields->end(), name) != fields->end();
        }
        field_meta["selected"] = selected;
      }
    }
    streams.push_back(std::move(entry));
  }
  return {{"streams", std::move(streams)}};
}

}  // namespace flow::singer
