// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cctype>
#include <flow/airbyte/discover_translation.hpp>
#include <flow/error.hpp>
#include <flow/json_util.hpp>
#include <map>

#include "pointer_tokens.hpp"

namespace flow::airbyte {
namespace {

// The declared type of a schema, when it is one string type (or one besides "null").
std::string single_type(const nlohmann::json& schema) {
  auto type = schema.is_object() ? schema.find("type") : schema.end();
  if (type == schema.end()) {
    return "";
  }
  if (type->is_string()) {
    return type->get<std::string>();
  }
  std::string found;
  if (type->is_array()) {
    for (const auto& t : *type) {
      if (t.is_string() && t != "null") {
        if (!found.empty()) {
          return "";
        }
        found = t.get<std::string>();
      }
    }
  }
  return found;
}

std::string string_or_empty(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

void add_required(nlohmann::json& schema, const std::string& name) {
  auto& required = schema["required"];
  if (!required.is_array()) {
    required = nlohmann::json::array();
  }
  if (std::find(required.begin(), required.end(), name) == required.end()) {
    required.push_back(name);
  }
}

void remove_null_type(nlohmann::json& schema) {
  auto type = schema.find("type");
  if (type == schema.end() || !type->is_array()) {
    return;
  }
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& t : *type) {
    if (t != "null") {
      kept.push_back(t);
    }
  }
  *type = kept.size() == 1 ? kept[0] : kept;
}

// Makes every location along `pointer` required, and the leaf non-null.
void require_location(nlohmann::json& schema, std::string_view pointer) {
  nlohmann::json* node = &schema;
  auto tokens = detail::pointer_tokens(pointer);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!node->is_object()) {
      return;
    }
    if (const std::string type = single_type(*node); !type.empty() && type != "object") {
      return;  // the schema cannot hold this location; leave it to the source
    }
    add_required(*node, tokens[i]);
    auto& properties = (*node)["properties"];
    if (!properties.is_object()) {
      properties = nlohmann::json::object();
    }
    if (!properties.contains(tokens[i])) {
      properties[tokens[i]] = nlohmann::json::object();
    }
    node = &properties[tokens[i]];
    if (i + 1 == tokens.size() && node->is_object()) {
      remove_null_type(*node);
    }
  }
}

bool supports(const nlohmann::json& stream, std::string_view mode) {
  auto modes = stream.find("supported_sync_modes");
  if (modes == stream.end() || !modes->is_array()) {
    return false;
  }
  return std::any_of(modes->begin(), modes->end(), [&](const nlohmann::json& m) {
    return m.is_string() && m.get<std::string>() == mode;
  });
}

// Some sources declare a composite key of top-level fields as one nested path
// ([["hash","fileName","operation"]] instead of [["hash"],["fileName"],["operation"]]).
// When such a path runs through a field the schema says is a scalar, while every component
// is a top-level property, the source meant the composite key.
nlohmann::json composite_key_fix(const nlohmann::json& key,
                                 const nlohmann::json& schema,
                                 const std::string& stream,
                                 std::vector<std::string>& warnings) {
  if (!key.is_array() || !schema.is_object() || !schema.contains("properties") ||
      !schema["properties"].is_object()) {
    return key;
  }
  const auto& properties = schema["properties"];
  nlohmann::json fixed = nlohmann::json::array();
  bool changed = false;
  for (const auto& path : key) {
    if (!path.is_array() || path.size() < 2 ||
        !std::all_of(path.begin(), path.end(), [&](const nlohmann::json& token) {
          return token.is_string() && properties.contains(token.get<std::string>());
        })) {
      fixed.push_back(path);
      continue;
    }
    const std::string head_type = single_type(properties[path[0].get<std::string>()]);
    if (head_type.empty() || head_type == "object") {
      fixed.push_back(path);
      continue;
    }
    for (const auto& token : path) {
      fixed.push_back(nlohmann::json::array({token}));
    }
    changed = true;
  }
  if (changed) {
    warnings.push_back("stream '" + stream + "' declares its primary key " + key.dump() +
                       " as a path through a non-object field; reading it as the composite key " +
                       fixed.dump());
  }
  return fixed;
}

}  // namespace

std::vector<std::string> key_to_pointers(const nlohmann::json& airbyte_key) {
  std::vector<std::string> pointers;
  auto path_pointer = [](const nlohmann::json& path) {
    std::string pointer;
    for (const auto& token : path) {
      if (!token.is_string()) {
        throw flow::Error("primary key component " + path.dump() + " is not a list of strings");
      }
      pointer += "/" + flow::json::escape_pointer_token(token.get<std::string>());
    }
    return pointer;
  };
  if (airbyte_key.is_null()) {
    return pointers;
  }
  if (airbyte_key.is_string()) {
    pointers.push_back("/" + flow::json::escape_pointer_token(airbyte_key.get<std::string>()));
    return pointers;
  }
  if (!airbyte_key.is_array()) {
    throw flow::Error("primary key " + airbyte_key.dump() + " is neither a string nor a list");
  }
  for (const auto& component : airbyte_key) {
    if (component.is_string()) {
      pointers.push_back("/" + flow::json::escape_pointer_token(component.get<std::string>()));
    } else if (component.is_array() && !component.empty()) {
      pointers.push_back(path_pointer(component));
    } else {
      throw flow::Error("primary key component " + component.dump() +
                        " is neither a string nor a non-empty list of strings");
    }
  }
  return pointers;
}

std::string sanitize_name(std::string_view name) {
  std::string out;
  std::string segment;
  auto flush_segment = [&] {
    if (!segment.empty()) {
      if (!out.empty()) {
        out += '/';
      }
      out += segment;
      segment.clear();
    }
  };
  for (char c : name) {
    if (c == '/') {
      flush_segment();
    } else if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
               c == '.') {
      segment += c;
    } else {
      segment += '_';
    }
  }
  flush_segment();
  return out;
}

nlohmann::json document_schema(nlohmann::json schema,
                               const std::vector<std::string>& key,
                               bool schema_inference) {
  if (!schema.is_object()) {
    schema = nlohmann::json::object();
  }
  if (!schema.contains("type")) {
    schema["type"] = "object";
  }
  const bool row_id_key = std::find(key.begin(), key.end(), kRowIdPointer) != key.end();

  auto& properties = schema["properties"];
  if (!properties.is_object()) {
    properties = nlohmann::json::object();
  }
  auto& meta = properties["_meta"];
  if (!meta.is_object()) {
    meta = nlohmann::json::object();
  }
  meta["type"] = "object";
  auto& meta_properties = meta["properties"];
  if (!meta_properties.is_object()) {
    meta_properties = nlohmann::json::object();
  }
  meta_properties["op"] = {{"enum", {"c", "u", "d"}},
                           {"description", "Operation type (c: Create, u: Update, d: Delete)"}};
  meta_properties["row_id"] = {
      {"type", "integer"},
      {"description", "Row number of the document within its sweep, for streams without a key"}};
  add_required(meta, "op");
  if (row_id_key) {
    add_required(meta, "row_id");
  }
  add_required(schema, "_meta");

  for (const auto& pointer : key) {
    if (pointer != kRowIdPointer) {
      require_location(schema, pointer);
    }
  }
  if (schema_inference) {
    schema["x-infer-schema"] = true;
    schema["if"] = nlohmann::json::parse(
        R"({"required":["_meta"],"properties":{"_meta":{"required":["op"],"properties":{"op":{"const":"d"}}}}})");
    schema["then"] = nlohmann::json::parse(R"({"reduce":{"strategy":"merge","delete":true}})");
  }
  return schema;
}

DiscoverResult translate_catalog(const nlohmann::json& catalog, const DiscoverOptions& options) {
  DiscoverResult result;
  auto streams = catalog.find("streams");
  if (streams == catalog.end() || !streams->is_array()) {
    throw flow::Error("airbyte CATALOG has no `streams` list");
  }
  std::map<std::string, int> name_counts;
  for (const auto& stream : *streams) {
    if (stream.is_object()) {
      ++name_counts[sanitize_name(string_or_empty(stream, "name"))];
    }
  }

  for (const auto& stream : *streams) {
    const std::string name = stream.is_object() ? string_or_empty(stream, "name") : "";
    if (name.empty()) {
      result.warnings.push_back("skipping a catalog stream without a name: " +
                                stream.dump().substr(0, 200));
      continue;
    }
    if (options.omitted_streams.count(name) != 0) {
      continue;
    }
    const std::string ns = string_or_empty(stream, "namespace");
    flow::capture::DiscoveredBinding binding;
    binding.recommended_name = sanitize_name(name);
    if (name_counts[binding.recommended_name] > 1 && !ns.empty()) {
      binding.recommended_name = sanitize_name(ns + "/" + name);
    }
    binding.resource_config = {{"stream", name}};
    if (!ns.empty()) {
      binding.resource_config["namespace"] = ns;
    }
    // The values at resourcePathPointers (/namespace, /stream); an absent namespace is left
    // out, as flow::capture::resource_path() does.
    binding.resource_path =
        ns.empty() ? std::vector<std::string>{name} : std::vector<std::string>{ns, name};

    std::string disable_reason;
    try {
      // Sync mode and cursor.
      const bool source_cursor = stream.value("source_defined_cursor", false);
      nlohmann::json cursor = stream.value("default_cursor_field", nlohmann::json::array());
      const bool has_cursor = cursor.is_array() && !cursor.empty();
      if (supports(stream, "incremental") && (source_cursor || has_cursor)) {
        binding.resource_config["syncMode"] = "incremental";
        if (has_cursor) {
          binding.resource_config["cursorField"] = cursor;
        }
      } else if (supports(stream, "full_refresh")) {
        binding.resource_config["syncMode"] = "full_refresh";
        if (supports(stream, "incremental")) {
          result.warnings.push_back("stream '" + name +
                                    "' supports incremental reads but declares no cursor; "
                                    "discovered as full_refresh");
        }
      } else if (supports(stream, "incremental")) {
        binding.resource_config["syncMode"] = "incremental";
        disable_reason = "it is incremental-only but declares no cursor field";
      } else {
        binding.resource_config["syncMode"] = "full_refresh";
        disable_reason = "it declares no supported sync mode";
      }

      // Key.
      if (auto override = options.key_overrides.find(name);
          override != options.key_overrides.end()) {
        binding.key = override->second;
      } else {
        binding.key = key_to_pointers(composite_key_fix(
            stream.value("source_defined_primary_key", nlohmann::json()),
            stream.value("json_schema", nlohmann::json()), name, result.warnings));
      }
      if (binding.key.empty()) {
        binding.key = {std::string(kRowIdPointer)};
        binding.is_fallback_key = true;
      }
      binding.document_schema = document_schema(stream.value("json_schema", nlohmann::json()),
                                                binding.key, options.schema_inference);
    } catch (const std::exception& e) {
      disable_reason = e.what();
      if (binding.key.empty()) {
        binding.key = {std::string(kRowIdPointer)};
        binding.is_fallback_key = true;
      }
      if (!binding.document_schema.is_object() || binding.document_schema.empty()) {
        binding.document_schema = document_schema(nlohmann::json::object(), binding.key, false);
      }
      if (!binding.resource_config.contains("syncMode")) {
        binding.resource_config["syncMode"] = "full_refresh";
      }
    }
    if (!disable_reason.empty()) {
      binding.disable = true;
      result.warnings.push_back("stream '" + name + "' is disabled: " + disable_reason);
    } else if (options.selected_streams && options.selected_streams->count(name) == 0) {
      binding.disable = true;
    }
    result.bindings.push_back(std::move(binding));
  }
  return result;
}

}  // namespace flow::airbyte
