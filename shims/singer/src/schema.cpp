// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstdio>
#include <flow/singer/schema.hpp>

namespace flow::singer {

namespace {

using nlohmann::json;

// Appends `name` to schema["required"] unless it is already there.
void require(json& schema, const std::string& name) {
  json& required = schema["required"];
  if (!required.is_array()) {
    required = json::array();
  }
  if (std::find(required.begin(), required.end(), name) == required.end()) {
    required.push_back(name);
  }
}

// Removes "null" from a schema's type (a Flow key is never null).
void drop_null_type(json& schema) {
  if (!schema.is_object()) {
    return;
  }
  auto type = schema.find("type");
  if (type == schema.end()) {
    return;
  }
  if (type->is_array()) {
    json kept = json::array();
    for (const auto& t : *type) {
      if (t != "null") {
        kept.push_back(t);
      }
    }
    if (kept.size() == 1) {
      *type = kept[0];
    } else if (!kept.empty()) {
      *type = kept;
    }
  }
  for (const char* combinator : {"anyOf", "oneOf"}) {
    auto it = schema.find(combinator);
    if (it != schema.end() && it->is_array()) {
      json kept = json::array();
      for (const auto& branch : *it) {
        if (!(branch.is_object() && branch.value("type", json()) == "null")) {
          kept.push_back(branch);
        }
      }
      *it = kept;
    }
  }
}

// Splits a JSON pointer into its unescaped tokens.
std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty() || pointer[0] != '/') {
    return tokens;
  }
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(token);
      token.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size()) {
      token += pointer[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

void close_in_place(json& schema) {
  if (!schema.is_object()) {
    return;
  }
  if (schema.contains("properties") && !schema.contains("additionalProperties")) {
    schema["additionalProperties"] = false;
  }
  for (const char* child_map : {"properties", "patternProperties", "definitions", "$defs"}) {
    auto it = schema.find(child_map);
    if (it != schema.end() && it->is_object()) {
      for (auto& [name, child] : it->items()) {
        close_in_place(child);
      }
    }
  }
  for (const char* child_list : {"anyOf", "oneOf", "allOf"}) {
    auto it = schema.find(child_list);
    if (it != schema.end() && it->is_array()) {
      for (auto& child : *it) {
        close_in_place(child);
      }
    }
  }
  auto items = schema.find("items");
  if (items != schema.end()) {
    if (items->is_array()) {
      for (auto& child : *items) {
        close_in_place(child);
      }
    } else {
      close_in_place(*items);
    }
  }
  auto additional = schema.find("additionalProperties");
  if (additional != schema.end() && additional->is_object()) {
    close_in_place(*additional);
  }
}

}  // namespace

nlohmann::json meta_schema() {
  return {
      {"type", "object"},
      {"properties",
       {{"op", {{"type", "string"}, {"enum", {"c", "u", "d"}}}},
        {"row_id", {{"type", "integer"}}},
        {"time_extracted", {{"type", "string"}}},
        {"version", {{"type", "integer"}}}}},
      {"required", {"op", "row_id"}},
  };
}

nlohmann::json document_schema(const nlohmann::json& tap_schema,
                               const std::vector<std::string>& key,
                               bool infer) {
  json schema = tap_schema.is_object() ? tap_schema : json::object();
  if (!schema.contains("type")) {
    schema["type"] = "object";
  }
  json& properties = schema["properties"];
  if (!properties.is_object()) {
    properties = json::object();
  }
  properties["_meta"] = meta_schema();
  require(schema, "_meta");

  // Key locations must always exist and never be null. Only top-level keys are fixed up
  // (the Singer convention); deeper pointers are left as the tap declared them.
  for (const auto& pointer : key) {
    auto tokens = pointer_tokens(pointer);
    if (tokens.size() != 1 || tokens[0] == "_meta") {
      continue;
    }
    auto prop = properties.find(tokens[0]);
    if (prop != properties.end()) {
      drop_null_type(*prop);
    }
    require(schema, tokens[0]);
  }

  if (infer) {
    schema["x-infer-schema"] = true;
  }
  // Deletion documents (from ACTIVATE_VERSION) delete the document they reduce into.
  schema["if"] = {
      {"required", {"_meta"}},
      {"properties",
       {{"_meta", {{"required", {"op"}}, {"properties", {{"op", {{"const", "d"}}}}}}}}}};
  schema["then"] = {{"reduce", {{"strategy", "merge"}, {"delete", true}}}};
  return schema;
}

nlohmann::json closed_schema(const nlohmann::json& tap_schema) {
  json schema = tap_schema.is_object() ? tap_schema : json::object();
  if (!schema.contains("type")) {
    schema["type"] = "object";
  }
  schema.erase("$id");
  json& properties = schema["properties"];
  if (!properties.is_object()) {
    properties = json::object();
  }
  properties["_meta"] = meta_schema();
  require(schema, "_meta");
  close_in_place(schema);
  return schema;
}

nlohmann::json tap_schema_from_collection(const nlohmann::json& collection_schema) {
  json schema = collection_schema.is_object() ? collection_schema : json::object();
  for (const char* added : {"x-infer-schema", "if", "then", "$id", "reduce"}) {
    schema.erase(added);
  }
  auto properties = schema.find("properties");
  if (properties != schema.end() && properties->is_object()) {
    properties->erase("_meta");
  }
  auto required = schema.find("required");
  if (required != schema.end() && required->is_array()) {
    json kept = json::array();
    for (const auto& name : *required) {
      if (name != "_meta") {
        kept.push_back(name);
      }
    }
    *required = kept;
  }
  return schema;
}

std::string digest_hex(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace flow::singer
