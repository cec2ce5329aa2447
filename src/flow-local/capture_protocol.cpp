// SPDX-License-Identifier: Apache-2.0
#include "flow-local/capture_protocol.hpp"

#include <cctype>
#include <flow/json_util.hpp>
#include <flow/version.hpp>
#include <set>

namespace flow::local {
namespace {

OrderedJson to_ordered(const nlohmann::json& value) {
  return OrderedJson::parse(value.dump());
}

std::string range_json() {
  return R"({"keyEnd":4294967295,"rClockEnd":4294967295})";
}

bool is_pointer(const OrderedJson& value) {
  return value.is_string() &&
         (value.get<std::string>().empty() || value.get<std::string>().front() == '/');
}

}  // namespace

std::vector<const CaptureBinding*> enabled_bindings(const CaptureDef& capture) {
  std::vector<const CaptureBinding*> out;
  for (const auto& binding : capture.bindings) {
    if (!binding.disable) {
      out.push_back(&binding);
    }
  }
  return out;
}

OrderedJson collection_spec(const CollectionDef& collection) {
  OrderedJson spec;
  spec["name"] = collection.name;
  spec["writeSchema"] = to_ordered(collection.write_schema);
  if (!collection.read_schema.is_null()) {
    spec["readSchema"] = to_ordered(collection.read_schema);
  }
  spec["key"] = collection.key;
  spec["uuidPtr"] = "/_meta/uuid";
  OrderedJson projections = OrderedJson::array();
  for (const auto& ptr : collection.key) {
    projections.push_back({{"ptr", ptr}, {"field", ptr.substr(1)}, {"isPrimaryKey", true}});
  }
  spec["projections"] = std::move(projections);
  return spec;
}

std::string spec_request(const CaptureDef& capture) {
  OrderedJson body;
  body["connectorType"] = "LOCAL";
  body["config"] = to_ordered(capture.endpoint.config);
  return OrderedJson{{"spec", body}}.dump();
}

std::string discover_request(const CaptureDef& capture) {
  OrderedJson body;
  body["connectorType"] = "LOCAL";
  body["config"] = to_ordered(capture.endpoint.config);
  body["name"] = capture.name;
  return OrderedJson{{"discover", body}}.dump();
}

std::string validate_request(const Catalog& catalog,
                             const CaptureDef& capture,
                             const std::vector<const CaptureBinding*>& bindings) {
  OrderedJson body;
  body["name"] = capture.name;
  body["connectorType"] = "LOCAL";
  body["config"] = to_ordered(capture.endpoint.config);
  OrderedJson list = OrderedJson::array();
  for (const auto* binding : bindings) {
    OrderedJson b;
    b["resourceConfig"] = to_ordered(binding->resource);
    b["collection"] = collection_spec(catalog.collection(binding->target));
    if (binding->backfill != 0) {
      b["backfill"] = binding->backfill;
    }
    list.push_back(std::move(b));
  }
  body["bindings"] = std::move(list);
  return OrderedJson{{"validate", body}}.dump();
}

OrderedJson capture_spec(const Catalog& catalog,
                         const CaptureDef& capture,
                         const std::vector<const CaptureBinding*>& bindings,
                         const std::vector<std::vector<std::string>>& resource_paths) {
  OrderedJson spec;
  spec["name"] = capture.name;
  spec["connectorType"] = "LOCAL";
  spec["config"] = to_ordered(capture.endpoint.config);
  OrderedJson list = OrderedJson::array();
  for (std::size_t i = 0; i < bindings.size(); ++i) {
    const auto* binding = bindings[i];
    const auto& path = i < resource_paths.size() ? resource_paths[i] : std::vector<std::string>{};
    OrderedJson b;
    b["resourceConfig"] = to_ordered(binding->resource);
    b["resourcePath"] = path;
    b["collection"] = collection_spec(catalog.collection(binding->target));
    if (binding->backfill != 0) {
      b["backfill"] = binding->backfill;
    }
    b["stateKey"] = state_key(path, binding->backfill);
    list.push_back(std::move(b));
  }
  spec["bindings"] = std::move(list);
  spec["intervalSeconds"] = capture.interval_seconds;
  return spec;
}

std::string apply_request(const OrderedJson& capture_spec) {
  OrderedJson body;
  body["capture"] = capture_spec;
  body["version"] = "local";
  return OrderedJson{{"apply", body}}.dump();
}

std::string open_request(const OrderedJson& capture_spec, const nlohmann::json& state) {
  // Built as text so the (possibly large) spec and state are written once.
  std::string out = R"({"open":{"capture":)";
  out += capture_spec.dump();
  out += R"(,"version":"local","range":)";
  out += range_json();
  out += R"(,"state":)";
  out += state.dump();
  out += "}}";
  return out;
}

std::string state_key(const std::vector<std::string>& resource_path, std::uint32_t backfill) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < resource_path.size(); ++i) {
    if (i != 0) {
      out += "%2F";
    }
    for (char ch : resource_path[i]) {
      const auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
        out.push_back(ch);
      } else if (c == ' ') {
        out.push_back('+');
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4U]);
        out.push_back(kHex[c & 0xFU]);
      }
    }
  }
  if (backfill != 0) {
    out += ".v" + std::to_string(backfill);
  }
  return out;
}

std::vector<std::string> resource_path_of(const nlohmann::json& resource_config,
                                          const std::vector<std::string>& pointers) {
  std::vector<std::string> out;
  for (const auto& ptr : pointers) {
    const auto* value = flow::json::find_pointer(resource_config, ptr);
    if (value == nullptr || value->is_null()) {
      // An absent value is skipped, as flow::capture::resource_path() does and as Estuary's
      // Airbyte shims answer (`[namespace?, stream]`).
      continue;
    }
    if (value->is_string()) {
      out.push_back(value->get<std::string>());
    } else {
      out.push_back(value->dump());
    }
  }
  return out;
}

// ---- checks ------------------------------------------------------------------------------

std::vector<std::string> check_spec(const Response& r, Conformance& c) {
  check_fields(r.body,
               {"protocol", "configSchema", "resourceConfigSchema", "documentationUrl", "oauth2",
                "resourcePathPointers"},
               "spec", r, c);
  const auto* protocol = find_field(r.body, "protocol");
  if (protocol == nullptr || !protocol->is_number_integer() ||
      protocol->get<std::int64_t>() != static_cast<std::int64_t>(flow::kProtocolVersion)) {
    c.violation(rule::kProtocolVersion, r.line,
                "spec.protocol must be " + std::to_string(flow::kProtocolVersion) + ", got " +
                    (protocol == nullptr ? std::string("nothing") : protocol->dump()) +
                    " (connector-init rejects any other value)",
                r.text);
  }
  for (const char* name : {"configSchema", "resourceConfigSchema"}) {
    const auto* schema = find_field(r.body, name);
    if (schema == nullptr || !schema->is_object()) {
      c.violation(rule::kFieldType, r.line,
                  std::string("spec.") + name + " must be a JSON schema object", r.text);
    }
  }
  if (const auto* oauth = find_field(r.body, "oauth2"); oauth != nullptr) {
    check_fields(*oauth,
                 {"provider", "authUrlTemplate", "accessTokenUrlTemplate", "accessTokenMethod",
                  "accessTokenBody", "accessTokenHeaders", "accessTokenResponseMap",
                  "refreshTokenUrlTemplate", "refreshTokenMethod", "refreshTokenBody",
                  "refreshTokenHeaders", "refreshTokenResponseMap"},
                 "spec.oauth2", r, c);
  }
  std::vector<std::string> pointers;
  if (const auto* ptrs = find_field(r.body, "resourcePathPointers"); ptrs != nullptr) {
    if (!ptrs->is_array()) {
      c.violation(rule::kFieldType, r.line, "spec.resourcePathPointers must be a list", r.text);
      return pointers;
    }
    for (const auto& ptr : *ptrs) {
      if (!is_pointer(ptr)) {
        c.violation(rule::kFieldType, r.line,
                    "spec.resourcePathPointers holds " + ptr.dump() + ", not a JSON pointer",
                    r.text);
        continue;
      }
      pointers.push_back(ptr.get<std::string>());
    }
  }
  return pointers;
}

std::vector<std::string> resource_path_pointers_of(const Response& spec) {
  std::vector<std::string> out;
  if (const auto* ptrs = find_field(spec.body, "resourcePathPointers");
      ptrs != nullptr && ptrs->is_array()) {
    for (const auto& p : *ptrs) {
      if (p.is_string()) {
        out.push_back(p.get<std::string>());
      }
    }
  }
  return out;
}

void check_spec_hook(const Response& response, Conformance& conformance) {
  check_spec(response, conformance);
}

void check_discovered(const Response& r, Conformance& c) {
  check_fields(r.body, {"bindings"}, "discovered", r, c);
  const auto* bindings = find_field(r.body, "bindings");
  if (bindings == nullptr) {
    return;  // no bindings discovered (proto3 omits an empty list)
  }
  if (!bindings->is_array()) {
    c.violation(rule::kFieldType, r.line, "discovered.bindings must be a list", r.text);
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < bindings->size(); ++i) {
    const auto& b = (*bindings)[i];
    const std::string where = "discovered.bindings[" + std::to_string(i) + "]";
    check_fields(b,
                 {"recommendedName", "resourceConfig", "documentSchema", "key", "disable",
                  "resourcePath", "isFallbackKey"},
                 where, r, c);
    if (!b.is_object()) {
      continue;
    }
    const auto* name = find_field(b, "recommendedName");
    if (name == nullptr || !name->is_string() || name->get<std::string>().empty()) {
      c.violation(rule::kDiscoveredBindings, r.line, where + " has no recommendedName", r.text);
    } else if (!names.insert(name->get<std::string>()).second) {
      c.violation(rule::kDiscoveredBindings, r.line,
                  where + ": recommendedName '" + name->get<std::string>() +
                      "' is used by an earlier binding",
                  r.text);
    }
    const auto* resource = find_field(b, "resourceConfig");
    if (resource == nullptr || !resource->is_object()) {
      c.violation(rule::kDiscoveredBindings, r.line, where + ".resourceConfig must be an object",
                  r.text);
    }
    const auto* schema = find_field(b, "documentSchema");
    if (schema == nullptr || !schema->is_object()) {
      c.violation(rule::kDiscoveredBindings, r.line,
                  where + ".documentSchema must be a JSON schema object", r.text);
    }
    const auto* key = find_field(b, "key");
    bool key_ok = key != nullptr && key->is_array() && !key->empty();
    if (key_ok) {
      for (const auto& ptr : *key) {
        key_ok = key_ok && is_pointer(ptr) && !ptr.get<std::string>().empty();
      }
    }
    if (!key_ok) {
      c.violation(rule::kDiscoveredBindings, r.line,
                  where + ".key must be a non-empty list of JSON pointers like \"/id\"", r.text);
    }
  }
}

std::vector<std::vector<std::string>> check_validated(
    const Response& r,
    const std::vector<const CaptureBinding*>& bindings,
    const std::vector<std::string>& resource_path_pointers,
    Conformance& c) {
  check_fields(r.body, {"bindings"}, "validated", r, c);
  std::vector<std::vector<std::string>> paths;
  const auto* list = find_field(r.body, "bindings");
  if (list != nullptr && !list->is_array()) {
    c.violation(rule::kFieldType, r.line, "validated.bindings must be a list", r.text);
    list = nullptr;
  }
  const std::size_t count = list == nullptr ? 0 : list->size();
  if (count != bindings.size()) {
    c.violation(rule::kValidatedBindings, r.line,
                "validated has " + std::to_string(count) + " bindings for " +
                    std::to_string(bindings.size()) +
                    " requested; it must return one resourcePath per binding, in order",
                r.text);
  }
  std::set<std::vector<std::string>> seen;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = (*list)[i];
    const std::string where = "validated.bindings[" + std::to_string(i) + "]";
    check_fields(b, {"resourcePath"}, where, r, c);
    std::vector<std::string> path;
    const auto* p = b.is_object() ? find_field(b, "resourcePath") : nullptr;
    if (p == nullptr || !p->is_array() || p->empty()) {
      c.violation(rule::kValidatedBindings, r.line, where + " has no resourcePath", r.text);
    } else {
      for (const auto& part : *p) {
        path.push_back(part.is_string() ? part.get<std::string>() : part.dump());
      }
    }
    if (!path.empty() && !seen.insert(path).second) {
      c.violation(rule::kValidatedBindings, r.line,
                  where + ": resourcePath " + OrderedJson(path).dump() +
                      " repeats an earlier binding's; resource paths must be unique",
                  r.text);
    }
    if (!path.empty() && i < bindings.size() && !resource_path_pointers.empty()) {
      auto expected = resource_path_of(bindings[i]->resource, resource_path_pointers);
      if (expected != path) {
        c.violation(rule::kValidatedBindings, r.line,
                    where + ": resourcePath " + OrderedJson(path).dump() +
                        " does not match binding " + std::to_string(i) + "'s resourceConfig " +
                        "(resourcePathPointers give " + OrderedJson(expected).dump() +
                        "); bindings must be answered in request order",
                    r.text);
      }
    }
    paths.push_back(std::move(path));
  }
  paths.resize(bindings.size());
  return paths;
}

void check_applied(const Response& r, Conformance& c) {
  check_fields(r.body, {"actionDescription", "state"}, "applied", r, c);
}

bool check_opened(const Response& r, Conformance& c) {
  check_fields(r.body, {"explicitAcknowledgements"}, "opened", r, c);
  const auto* acks = find_field(r.body, "explicitAcknowledgements");
  if (acks != nullptr && !acks->is_boolean()) {
    c.violation(rule::kFieldType, r.line, "opened.explicitAcknowledgements must be a boolean",
                r.text);
    return false;
  }
  return acks != nullptr && acks->get<bool>();
}

std::optional<CheckpointState> check_checkpoint(const Response& r, Conformance& c) {
  check_fields(r.body, {"state"}, "checkpoint", r, c);
  const auto* state = find_field(r.body, "state");
  if (state == nullptr) {
    c.violation(rule::kCheckpointState, r.line,
                "a checkpoint must carry `state` (send {\"updated\":{},\"mergePatch\":true} "
                "for a no-op); the runtime rejects it otherwise",
                r.text);
    return std::nullopt;
  }
  check_fields(*state, {"updated", "mergePatch"}, "checkpoint.state", r, c);
  const auto* updated = find_field(*state, "updated");
  if (updated == nullptr || !updated->is_object()) {
    c.violation(rule::kCheckpointState, r.line,
                "checkpoint.state.updated must be a JSON object (the state or its patch)", r.text);
    return std::nullopt;
  }
  CheckpointState out;
  out.updated = nlohmann::json::parse(updated->dump());
  if (const auto* merge = find_field(*state, "mergePatch"); merge != nullptr) {
    if (!merge->is_boolean()) {
      c.violation(rule::kFieldType, r.line, "checkpoint.state.mergePatch must be a boolean",
                  r.text);
    } else {
      out.merge_patch = merge->get<bool>();
    }
  }
  return out;
}

}  // namespace flow::local
