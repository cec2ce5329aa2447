// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cctype>
#include <common/json_depth.hpp>
#include <flow/error.hpp>
#include <flow/singer/discover.hpp>
#include <flow/singer/schema.hpp>

namespace flow::singer {

namespace {

using nlohmann::json;

std::string string_or_empty(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) {
        out.push_back(item.get<std::string>());
      }
    }
  }
  return out;
}

// The metadata object at `breadcrumb`, or nullptr.
const json* metadata_at(const json& entry, const json& breadcrumb) {
  auto list = entry.find("metadata");
  if (list == entry.end() || !list->is_array()) {
    return nullptr;
  }
  for (const auto& item : *list) {
    if (item.is_object() && item.value("breadcrumb", json()) == breadcrumb) {
      auto meta = item.find("metadata");
      return meta != item.end() && meta->is_object() ? &*meta : nullptr;
    }
  }
  return nullptr;
}

bool known_method(const std::string& method) {
  return method == "FULL_TABLE" || method == "INCREMENTAL" || method == "LOG_BASED";
}

}  // namespace

std::vector<std::string> StreamFacts::key() const {
  if (key_properties.empty()) {
    return {"/_meta/row_id"};
  }
  std::vector<std::string> pointers;
  pointers.reserve(key_properties.size());
  for (const auto& name : key_properties) {
    if (!name.empty() && name[0] == '/') {
      pointers.push_back(name);
      continue;
    }
    std::string pointer = "/";
    for (char c : name) {
      pointer += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    }
    pointers.push_back(std::move(pointer));
  }
  return pointers;
}

json parse_catalog_output(std::string_view text) {
  auto is_catalog = [](const json& doc) {
    return doc.is_object() && doc.contains("streams") && doc["streams"].is_array();
  };
  json whole = flow::shims::parse_json(text);
  if (is_catalog(whole)) {
    return whole;
  }
  // A tap that logs to stdout: take the span from the first line opening an object to the
  // last line closing one, then, failing that, any single line that is a catalog.
  std::size_t begin = 0;
  if (text.empty() || text[0] != '{') {
    begin = text.find("\n{");
    begin = begin == std::string_view::npos ? begin : begin + 1;
  }
  auto end = text.rfind('}');
  if (begin != std::string_view::npos && end != std::string_view::npos && end > begin) {
    json span = flow::shims::parse_json(text.substr(begin, end + 1 - begin));
    if (is_catalog(span)) {
      return span;
    }
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    json doc = flow::shims::parse_json(line);
    if (is_catalog(doc)) {
      return doc;
    }
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
  }
  std::string head(text.substr(0, 200));
  throw flow::Error(
      "the tap's --discover output is not a Singer catalog (a JSON object with a "
      "\"streams\" array); it began with: " +
      head);
}

StreamFacts stream_facts(const json& entry) {
  StreamFacts facts;
  facts.tap_stream_id = string_or_empty(entry, "tap_stream_id");
  facts.stream = string_or_empty(entry, "stream");
  if (facts.tap_stream_id.empty()) {
    facts.tap_stream_id = facts.stream;
  }
  if (facts.tap_stream_id.empty()) {
    throw flow::Error("a catalog entry has neither tap_stream_id nor stream: " +
                      entry.dump().substr(0, 200));
  }
  if (facts.stream.empty()) {
    facts.stream = facts.tap_stream_id;
  }
  facts.key_properties = strings(entry.value("key_properties", json()));
  facts.replication_method = string_or_empty(entry, "replication_method");
  facts.replication_key = string_or_empty(entry, "replication_key");
  if (const json* meta = metadata_at(entry, json::array())) {
    if (facts.key_properties.empty()) {
      facts.key_properties = strings(meta->value("table-key-properties", json()));
    }
    if (facts.key_properties.empty()) {
      facts.key_properties = strings(meta->value("view-key-properties", json()));
    }
    facts.forced_replication_method = string_or_empty(*meta, "forced-replication-method");
    facts.valid_replication_keys = strings(meta->value("valid-replication-keys", json()));
    facts.inclusion = string_or_empty(*meta, "inclusion");
    if (auto it = meta->find("selected-by-default"); it != meta->end() && it->is_boolean()) {
      facts.selected_by_default = it->get<bool>();
    }
    if (facts.replication_method.empty()) {
      facts.replication_method = string_or_empty(*meta, "replication-method");
    }
    if (facts.replication_key.empty()) {
      facts.replication_key = string_or_empty(*meta, "replication-key");
    }
  }
  return facts;
}

const json* find_entry(const json& catalog, std::string_view tap_stream_id) {
  auto streams = catalog.find("streams");
  if (streams == catalog.end() || !streams->is_array()) {
    return nullptr;
  }
  for (const auto& entry : *streams) {
    if (!entry.is_object()) {
      continue;
    }
    std::string id = string_or_empty(entry, "tap_stream_id");
    if (id.empty()) {
      id = string_or_empty(entry, "stream");
    }
    if (id == tap_stream_id) {
      return &entry;
    }
  }
  return nullptr;
}

std::string recommended_replication_method(const StreamFacts& facts) {
  if (!facts.forced_replication_method.empty()) {
    return facts.forced_replication_method;
  }
  if (!facts.valid_replication_keys.empty() || !facts.replication_key.empty()) {
    return "INCREMENTAL";
  }
  if (known_method(facts.replication_method)) {
    return facts.replication_method;
  }
  return "FULL_TABLE";
}

std::vector<capture::DiscoveredBinding> discovered_bindings(const json& catalog,
                                                            bool infer_schema) {
  std::vector<capture::DiscoveredBinding> bindings;
  for (const auto& entry : catalog.at("streams")) {
    StreamFacts facts = stream_facts(entry);
    if (facts.inclusion == "unsupported") {
      continue;
    }
    json resource = {{"tap_stream_id", facts.tap_stream_id}, {"stream", facts.stream}};
    std::string method = recommended_replication_method(facts);
    resource["replication_method"] = method;
    if (method == "INCREMENTAL") {
      std::string key = !facts.replication_key.empty()          ? facts.replication_key
                        : !facts.valid_replication_keys.empty() ? facts.valid_replication_keys[0]
                                                                : std::string();
      if (!key.empty()) {
        resource["replication_key"] = key;
      }
    }

    json tap_schema = entry.value("schema", json::object());
    if (auto props = tap_schema.find("properties");
        props != tap_schema.end() && props->is_object()) {
      std::vector<std::string> unsupported;
      for (const auto& [name, _] : props->items()) {
        const json* meta = metadata_at(entry, json::array({"properties", name}));
        if (meta != nullptr && meta->value("inclusion", "") == "unsupported") {
          unsupported.push_back(name);
        }
      }
      for (const auto& name : unsupported) {
        props->erase(name);
      }
    }

    capture::DiscoveredBinding binding;
    binding.recommended_name = facts.tap_stream_id;
    std::replace_if(
        binding.recommended_name.begin(), binding.recommended_name.end(),
        [](char c) {
          return !(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                   c == '.' || c == '/');
        },
        '_');
    binding.key = facts.key();
    binding.is_fallback_key = !facts.has_key();
    binding.document_schema = document_schema(tap_schema, binding.key, infer_schema);
    binding.resource_config = std::move(resource);
    binding.resource_path = {facts.tap_stream_id};
    binding.disable = !facts.selected_by_default;
    bindings.push_back(std::move(binding));
  }
  return bindings;
}

std::vector<std::string> resource_problems(const json& resource_config, const json* entry) {
  std::vector<std::string> problems;
  std::string id = string_or_empty(resource_config, "tap_stream_id");
  if (id.empty()) {
    problems.emplace_back("resource config has no tap_stream_id");
    return problems;
  }
  std::string method = string_or_empty(resource_config, "replication_method");
  std::string key = string_or_empty(resource_config, "replication_key");
  if (method.empty()) {
    method = "FULL_TABLE";
  }
  if (!known_method(method)) {
    problems.push_back("stream '" + id + "': replication_method '" + method +
                       "' is not one of FULL_TABLE, INCREMENTAL, LOG_BASED");
  }
  if (method == "INCREMENTAL" && key.empty()) {
    problems.push_back("stream '" + id + "': INCREMENTAL replication needs a replication_key");
  }
  if (entry == nullptr) {
    return problems;
  }
  StreamFacts facts = stream_facts(*entry);
  if (facts.inclusion == "unsupported") {
    problems.push_back("stream '" + id + "' is marked inclusion: unsupported by the tap");
  }
  if (!facts.forced_replication_method.empty() && method != facts.forced_replication_method) {
    problems.push_back("stream '" + id + "': the tap forces replication_method " +
                       facts.forced_replication_method + ", not " + method);
  }
  if (method == "INCREMENTAL" && !key.empty() && !facts.valid_replication_keys.empty() &&
      std::find(facts.valid_replication_keys.begin(), facts.valid_replication_keys.end(), key) ==
          facts.valid_replication_keys.end()) {
    std::string valid;
    for (const auto& k : facts.valid_replication_keys) {
      valid += (valid.empty() ? "" : ", ") + k;
    }
    problems.push_back("stream '" + id + "': replication_key '" + key +
                       "' is not one of the tap's valid replication keys (" + valid + ")");
  }
  const json& props = entry->value("schema", json::object()).value("properties", json::object());
  for (const auto& field : strings(resource_config.value("fields", json()))) {
    if (props.is_object() && !props.contains(field)) {
      problems.push_back("stream '" + id + "': selected field '" + field +
                         "' is not in the tap's schema");
    }
  }
  return problems;
}

}  // namespace flow::singer
