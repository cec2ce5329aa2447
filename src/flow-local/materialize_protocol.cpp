// SPDX-License-Identifier: Apache-2.0
#include "flow-local/materialize_protocol.hpp"

#include <algorithm>
#include <flow/json_util.hpp>
#include <flow/tuple.hpp>
#include <flow/version.hpp>

namespace flow::local {
namespace {

OrderedJson ordered(const nlohmann::json& value) {
  return OrderedJson::parse(value.dump());
}

constexpr std::string_view kDocumentField = "flow_document";

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(n >> shift) & 63]);
    }
  }
  if (bytes.size() - i == 1) {
    const std::uint32_t n = byte(i) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& where) {
  std::vector<std::string> out;
  if (value.is_null()) {
    return out;
  }
  if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) {
        throw CatalogError(where + " must be a list of field names");
      }
      out.push_back(item.get<std::string>());
    }
  } else if (value.is_object()) {  // fields.include is a map of field → config
    for (const auto& [key, config] : value.items()) {
      out.push_back(key);
    }
  } else {
    throw CatalogError(where + " must be a list (or map) of field names");
  }
  return out;
}

nlohmann::json inferred_types(const nlohmann::json& schema) {
  if (!schema.is_object() || !schema.contains("type")) {
    return nlohmann::json::array();
  }
  const auto& type = schema["type"];
  return type.is_string() ? nlohmann::json::array({type}) : type;
}

/// A validated binding's constraints as field → type name, from either form.
std::map<std::string, std::string> constraint_types(const OrderedJson& binding,
                                                    const std::string& where,
                                                    const Response& r,
                                                    Conformance& c) {
  static const std::set<std::string> known_types = {
      "FIELD_REQUIRED",  "LOCATION_REQUIRED", "LOCATION_RECOMMENDED", "FIELD_OPTIONAL",
      "FIELD_FORBIDDEN", "INCOMPATIBLE",      "UNSATISFIABLE"};
  std::map<std::string, std::string> out;
  auto add = [&](const std::string& field, const OrderedJson& constraint) {
    if (!constraint.is_object()) {
      c.violation(rule::kFieldType, r.line,
                  where + ": constraint of `" + field + "` must be an object", r.text);
      return;
    }
    check_fields(constraint, {"type", "reason", "foldedField"}, where + ".constraint", r, c);
    const auto* type = find_field(constraint, "type");
    if (type == nullptr || !type->is_string() || known_types.count(type->get<std::string>()) == 0) {
      c.violation(rule::kFieldType, r.line,
                  where + ": constraint of `" + field +
                      "` needs a type among FIELD_REQUIRED, "
                      "LOCATION_REQUIRED, FIELD_OPTIONAL, FIELD_FORBIDDEN, INCOMPATIBLE, …",
                  r.text);
      return;
    }
    out[field] = type->get<std::string>();
  };
  if (const auto* map = find_field(binding, "constraints"); map != nullptr) {
    if (!map->is_object()) {
      c.violation(rule::kFieldType, r.line, where + ".constraints must be a map", r.text);
    } else {
      for (const auto& [field, constraint] : map->items()) {
        add(field, constraint);
      }
    }
  }
  if (const auto* list = find_field(binding, "projectionConstraints"); list != nullptr) {
    if (!list->is_array()) {
      c.violation(rule::kFieldType, r.line, where + ".projectionConstraints must be a list",
                  r.text);
    } else {
      for (const auto& item : *list) {
        const auto* field = find_field(item, "field");
        const auto* constraint = find_field(item, "constraint");
        if (field == nullptr || !field->is_string() || constraint == nullptr) {
          c.violation(rule::kFieldType, r.line,
                      where + ".projectionConstraints[] needs `field` and `constraint`", r.text);
          continue;
        }
        add(field->get<std::string>(), *constraint);
      }
    }
  }
  return out;
}

bool selectable(const std::string& type) {
  return type != "FIELD_FORBIDDEN" && type != "INCOMPATIBLE" && type != "UNSATISFIABLE";
}

std::string key_field(const std::string& ptr) {
  return ptr.substr(1);
}

void check_state_fields(const Response& r,
                        Conformance& c,
                        std::initializer_list<std::string_view> known) {
  check_fields(r.body, known, r.kind, r, c);
}

}  // namespace

std::vector<MaterializeBindingDef> materialize_bindings(const Catalog& catalog,
                                                        const MaterializationDef& materialization) {
  std::vector<MaterializeBindingDef> out;
  if (!materialization.bindings.is_array()) {
    throw CatalogError(materialization.name + ": bindings must be a list");
  }
  for (std::size_t i = 0; i < materialization.bindings.size(); ++i) {
    const auto& b = materialization.bindings[i];
    const std::string where = materialization.name + ": bindings[" + std::to_string(i) + "]";
    if (!b.is_object()) {
      throw CatalogError(where + " must be an object");
    }
    if (b.value("disable", false)) {
      continue;
    }
    MaterializeBindingDef def;
    const auto source = b.value("source", nlohmann::json());
    if (source.is_string()) {
      def.source = source.get<std::string>();
    } else if (source.is_object() && source.contains("name") && source["name"].is_string()) {
      def.source = source["name"].get<std::string>();
    } else {
      throw CatalogError(where + ".source must be a collection name (or {name: …})");
    }
    (void)catalog.collection(def.source);  // throws for an unknown collection
    def.resource = b.value("resource", nlohmann::json::object());
    if (!def.resource.is_object()) {
      throw CatalogError(where + ".resource must be an object");
    }
    const auto fields = b.value("fields", nlohmann::json::object());
    def.recommended = fields.value("recommended", true);
    def.include = string_list(fields.value("include", nlohmann::json()), where + ".fields.include");
    def.exclude = string_list(fields.value("exclude", nlohmann::json()), where + ".fields.exclude");
    def.backfill = b.value("backfill", std::uint32_t{0});
    out.push_back(std::move(def));
  }
  return out;
}

OrderedJson materialize_collection_spec(const CollectionDef& collection) {
  OrderedJson spec;
  spec["name"] = collection.name;
  spec["writeSchema"] = ordered(collection.write_schema);
  if (!collection.read_schema.is_null()) {
    spec["readSchema"] = ordered(collection.read_schema);
  }
  spec["key"] = collection.key;
  spec["uuidPtr"] = "/_meta/uuid";
  const nlohmann::json& schema =
      collection.read_schema.is_null() ? collection.write_schema : collection.read_schema;
  OrderedJson projections = OrderedJson::array();
  projections.push_back({{"field", kDocumentField}, {"inference", {{"types", {"object"}}}}});
  std::set<std::string> seen;
  const auto properties = schema.is_object() ? schema.value("properties", nlohmann::json::object())
                                             : nlohmann::json::object();
  for (const auto& [name, property] : properties.items()) {
    if (name == "_meta") {
      continue;
    }
    const std::string ptr = "/" + name;
    OrderedJson projection = {{"ptr", ptr}, {"field", name}};
    if (std::find(collection.key.begin(), collection.key.end(), ptr) != collection.key.end()) {
      projection["isPrimaryKey"] = true;
    }
    projection["inference"] = {{"types", ordered(inferred_types(property))}};
    projections.push_back(std::move(projection));
    seen.insert(ptr);
  }
  for (const auto& ptr : collection.key) {
    if (seen.count(ptr) == 0) {
      projections.push_back({{"ptr", ptr}, {"field", key_field(ptr)}, {"isPrimaryKey", true}});
    }
  }
  spec["projections"] = std::move(projections);
  return spec;
}

std::string materialize_validate_request(const Catalog& catalog,
                                         const MaterializationDef& materialization,
                                         const std::vector<MaterializeBindingDef>& bindings) {
  OrderedJson body;
  body["name"] = materialization.name;
  body["connectorType"] = "LOCAL";
  body["config"] = ordered(materialization.endpoint.config);
  OrderedJson list = OrderedJson::array();
  for (const auto& b : bindings) {
    OrderedJson binding;
    binding["resourceConfig"] = ordered(b.resource);
    binding["collection"] = materialize_collection_spec(catalog.collection(b.source));
    if (b.backfill != 0) {
      binding["backfill"] = b.backfill;
    }
    OrderedJson group_by = OrderedJson::array();
    for (const auto& ptr : catalog.collection(b.source).key) {
      group_by.push_back(key_field(ptr));
    }
    binding["groupBy"] = std::move(group_by);
    list.push_back(std::move(binding));
  }
  body["bindings"] = std::move(list);
  return OrderedJson{{"validate", body}}.dump();
}

std::vector<BindingPlan> plan_bindings(const Response& r,
                                       const Catalog& catalog,
                                       const std::vector<MaterializeBindingDef>& bindings,
                                       Conformance& c) {
  check_fields(r.body, {"bindings"}, "validated", r, c);
  const auto* list = find_field(r.body, "bindings");
  const std::size_t count = list != nullptr && list->is_array() ? list->size() : 0;
  if (count != bindings.size()) {
    c.violation(rule::kValidatedBindings, r.line,
                "validated.bindings has " + std::to_string(count) +
                    " entries; it needs one per binding (" + std::to_string(bindings.size()) +
                    "), in order",
                r.text);
  }
  std::vector<BindingPlan> plans;
  std::set<std::vector<std::string>> paths;
  for (std::size_t i = 0; i < std::min(count, bindings.size()); ++i) {
    const auto& vb = (*list)[i];
    const std::string where = "validated.bindings[" + std::to_string(i) + "]";
    check_fields(vb,
                 {"constraints", "projectionConstraints", "resourcePath", "deltaUpdates",
                  "serPolicy", "caseInsensitiveFields"},
                 where, r, c);
    BindingPlan plan;
    plan.def = bindings[i];
    plan.collection = bindings[i].source;
    const auto& collection = catalog.collection(plan.collection);
    if (const auto* path = find_field(vb, "resourcePath");
        path != nullptr && path->is_array() && !path->empty()) {
      for (const auto& part : *path) {
        plan.resource_path.push_back(part.is_string() ? part.get<std::string>() : part.dump());
      }
    } else {
      c.violation(rule::kValidatedBindings, r.line,
                  where + ".resourcePath must be a non-empty list", r.text);
    }
    if (!plan.resource_path.empty() && !paths.insert(plan.resource_path).second) {
      c.violation(rule::kValidatedBindings, r.line,
                  where + ".resourcePath repeats another binding's resource path", r.text);
    }
    if (const auto* delta = find_field(vb, "deltaUpdates"); delta != nullptr) {
      plan.delta_updates = delta->is_boolean() && delta->get<bool>();
    }
    const auto types = constraint_types(vb, where, r, c);
    auto type_of = [&](const std::string& field) {
      auto it = types.find(field);
      return it == types.end() ? std::string("FIELD_FORBIDDEN") : it->second;  // absent: forbidden
    };
    // Keys: the collection key, in order.
    std::set<std::string> taken;
    for (const auto& ptr : collection.key) {
      const std::string field = key_field(ptr);
      if (!selectable(type_of(field))) {
        std::string message = where;
        message.append(": the connector does not accept key field `").append(field);
        message.append("` (")
            .append(type_of(field))
            .append("); the binding cannot be materialized");
        throw flow::Error(message);
      }
      plan.key_ptrs.push_back(ptr);
      plan.keys.push_back(field);
      taken.insert(field);
    }
    // The root document, unless forbidden.
    if (selectable(type_of(std::string(kDocumentField)))) {
      plan.document = kDocumentField;
    }
    taken.insert(std::string(kDocumentField));
    // Values: required ones, recommended top-level ones, included ones; never excluded.
    const std::set<std::string> include(plan.def.include.begin(), plan.def.include.end());
    const std::set<std::string> exclude(plan.def.exclude.begin(), plan.def.exclude.end());
    for (const auto& [field, type] : types) {
      if (taken.count(field) != 0) {
        continue;
      }
      const bool required = type == "FIELD_REQUIRED" || type == "LOCATION_REQUIRED";
      const bool optional = type == "FIELD_OPTIONAL" || type == "LOCATION_RECOMMENDED";
      if (include.count(field) != 0 && !selectable(type)) {
        std::string message = where;
        message.append(": fields.include names `").append(field);
        message.append("`, which the connector does not accept (").append(type).append(")");
        throw flow::Error(message);
      }
      if (required || include.count(field) != 0 ||
          (optional && plan.def.recommended && exclude.count(field) == 0 &&
           field.find('/') == std::string::npos)) {
        plan.values.push_back(field);
      }
    }
    std::sort(plan.values.begin(), plan.values.end());
    for (const auto& field : plan.values) {
      plan.value_ptrs.push_back("/" + field);
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

OrderedJson materialization_spec(const Catalog& catalog,
                                 const MaterializationDef& materialization,
                                 const std::vector<BindingPlan>& plans) {
  OrderedJson spec;
  spec["name"] = materialization.name;
  spec["connectorType"] = "LOCAL";
  spec["config"] = ordered(materialization.endpoint.config);
  OrderedJson bindings = OrderedJson::array();
  for (const auto& plan : plans) {
    OrderedJson b;
    b["resourceConfig"] = ordered(plan.def.resource);
    b["resourcePath"] = plan.resource_path;
    b["collection"] = materialize_collection_spec(catalog.collection(plan.collection));
    OrderedJson selection;
    selection["keys"] = plan.keys;
    if (!plan.values.empty()) {
      selection["values"] = plan.values;
    }
    if (!plan.document.empty()) {
      selection["document"] = plan.document;
    }
    b["fieldSelection"] = std::move(selection);
    if (plan.delta_updates) {
      b["deltaUpdates"] = true;
    }
    if (plan.def.backfill != 0) {
      b["backfill"] = plan.def.backfill;
    }
    std::string state_key;
    for (const auto& part : plan.resource_path) {
      state_key += (state_key.empty() ? "" : "%2F") + part;
    }
    b["stateKey"] = state_key;
    bindings.push_back(std::move(b));
  }
  spec["bindings"] = std::move(bindings);
  return spec;
}

std::string materialize_apply_request(const OrderedJson& spec) {
  return OrderedJson{{"apply", {{"materialization", spec}, {"version", "flow-local"}}}}.dump();
}

std::string materialize_open_request(const OrderedJson& spec, const nlohmann::json& state) {
  OrderedJson body;
  body["materialization"] = spec;
  body["version"] = "flow-local";
  body["range"] = {{"keyEnd", 4294967295U}, {"rClockEnd", 4294967295U}};
  body["state"] = ordered(state);
  return OrderedJson{{"open", body}}.dump();
}

std::string start_commit_request(std::size_t transactions_done) {
  nlohmann::json checkpoint = {
      {"sources",
       {{std::string(kFixtureSource), {{"readThrough", std::to_string(transactions_done)}}}}}};
  return nlohmann::json{{"startCommit", {{"runtimeCheckpoint", checkpoint}}}}.dump();
}

std::optional<std::size_t> committed_transactions(const nlohmann::json& runtime_checkpoint) {
  const auto* through = flow::json::find_pointer(
      runtime_checkpoint, "/sources/" + std::string("flow-local~1fixture") + "/readThrough");
  if (through == nullptr || !through->is_string()) {
    return std::nullopt;
  }
  try {
    return static_cast<std::size_t>(std::stoull(through->get<std::string>()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// ---- Fixture ---------------------------------------------------------------------------------

namespace {

std::pair<std::string, nlohmann::json> fixture_pair(const nlohmann::json& pair,
                                                    const std::string& where) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_object()) {
    throw flow::ConfigError(where + ": expected [\"<collection>\", {document}]");
  }
  return {pair[0].get<std::string>(), pair[1]};
}

}  // namespace

std::vector<FixtureTransaction> load_materialize_fixture(const std::string& path) {
  const std::string text = read_text_file(path, "fixture");
  std::vector<FixtureTransaction> transactions;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    const auto whole = nlohmann::json::parse(text, nullptr, false);
    if (!whole.is_discarded() && whole.is_array() &&
        (whole.empty() || (whole[0].is_array() && (whole[0].empty() || whole[0][0].is_array())))) {
      for (std::size_t t = 0; t < whole.size(); ++t) {
        const std::string where = "fixture " + path + ": transaction " + std::to_string(t + 1);
        if (!whole[t].is_array()) {
          throw flow::ConfigError(where + " must be a list of [collection, document] pairs");
        }
        FixtureTransaction txn;
        for (std::size_t d = 0; d < whole[t].size(); ++d) {
          txn.push_back(fixture_pair(whole[t][d], where + ", document " + std::to_string(d + 1)));
        }
        transactions.push_back(std::move(txn));
      }
      return transactions;
    }
  }
  FixtureTransaction txn;
  std::size_t number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    const std::string where = "fixture " + path + " line " + std::to_string(number);
    const auto value = nlohmann::json::parse(line, nullptr, false);
    if (value.is_discarded()) {
      throw flow::ConfigError(where + ": not JSON");
    }
    if (value.is_object() && value.value("commit", false)) {
      transactions.push_back(std::move(txn));
      txn.clear();
      continue;
    }
    txn.push_back(fixture_pair(value, where));
  }
  if (!txn.empty()) {
    transactions.push_back(std::move(txn));
  }
  return transactions;
}

std::string extract_array(const nlohmann::json& doc, const std::vector<std::string>& ptrs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& ptr : ptrs) {
    const auto* value = flow::json::find_pointer(doc, ptr);
    out.push_back(value != nullptr ? *value : nlohmann::json());
  }
  return out.dump();
}

PlannedTransaction plan_transaction(const FixtureTransaction& transaction,
                                    const std::vector<BindingPlan>& plans) {
  PlannedTransaction planned;
  std::map<std::pair<std::uint32_t, std::string>, std::size_t> store_index;
  for (std::size_t d = 0; d < transaction.size(); ++d) {
    const auto& [collection, doc] = transaction[d];
    for (std::uint32_t b = 0; b < plans.size(); ++b) {
      const auto& plan = plans[b];
      if (plan.collection != collection) {
        continue;
      }
      std::string key = extract_array(doc, plan.key_ptrs);
      const auto* op = flow::json::find_pointer(doc, "/_meta/op");
      const bool is_delete = op != nullptr && *op == "d";
      auto [it, inserted] = store_index.emplace(std::make_pair(b, key), planned.stores.size());
      if (inserted) {
        if (!plan.delta_updates) {
          planned.loads.emplace_back(b, key);
        }
        planned.stores.push_back({.binding = b,
                                  .key = std::move(key),
                                  .doc = doc,
                                  .is_delete = is_delete,
                                  .fixture_index = d + 1});
      } else {
        auto& store = planned.stores[it->second];  // last write wins
        store.doc = doc;
        store.is_delete = is_delete;
        store.fixture_index = d + 1;
      }
    }
  }
  return planned;
}

std::string load_request(std::uint32_t binding, const std::string& key_json, bool packed) {
  std::string out = R"({"load":{)";
  if (binding != 0) {
    out += R"("binding":)" + std::to_string(binding) + ",";
  }
  if (packed) {
    const auto key = nlohmann::json::parse(key_json);
    out += R"("keyPacked":")" + base64(tuple::pack_json(key.get<std::vector<nlohmann::json>>())) +
           "\"";
  } else {
    out += R"("key":)" + key_json;
  }
  return out + "}}";
}

std::string store_request(const PlannedStore& store,
                          const BindingPlan& plan,
                          bool exists,
                          bool packed) {
  std::string out = R"({"store":{)";
  if (store.binding != 0) {
    out += R"("binding":)" + std::to_string(store.binding) + ",";
  }
  const std::string values = extract_array(store.doc, plan.value_ptrs);
  if (packed) {
    const auto key = nlohmann::json::parse(store.key).get<std::vector<nlohmann::json>>();
    const auto vals = nlohmann::json::parse(values).get<std::vector<nlohmann::json>>();
    out += R"("keyPacked":")" + base64(tuple::pack_json(key)) + "\"";
    if (!vals.empty()) {
      out += R"(,"valuesPacked":")" + base64(tuple::pack_json(vals)) + "\"";
    }
  } else {
    out += R"("key":)" + store.key;
    if (!plan.values.empty()) {
      out += R"(,"values":)" + values;
    }
  }
  if (!plan.document.empty()) {
    out += R"(,"doc":)" + store.doc.dump();
  }
  if (exists) {
    out += R"(,"exists":true)";
  }
  if (store.is_delete) {
    out += R"(,"delete":true)";
  }
  return out + "}}";
}

// ---- Response checks -------------------------------------------------------------------------

void check_materialize_spec(const Response& r, Conformance& c) {
  // No resourcePathPointers: tag 6 is reserved in materialize Spec (older runtimes reject it).
  check_fields(r.body,
               {"protocol", "configSchema", "resourceConfigSchema", "documentationUrl", "oauth2"},
               "spec", r, c);
  const auto* protocol = find_field(r.body, "protocol");
  if (protocol == nullptr || !protocol->is_number_unsigned() ||
      protocol->get<std::uint64_t>() != flow::kProtocolVersion) {
    c.violation(rule::kProtocolVersion, r.line,
                "spec.protocol must be " + std::to_string(flow::kProtocolVersion), r.text);
  }
  for (const auto* field : {"configSchema", "resourceConfigSchema"}) {
    const auto* schema = find_field(r.body, field);
    if (schema == nullptr || !schema->is_object()) {
      c.violation(rule::kFieldType, r.line, std::string("spec.") + field + " must be an object",
                  r.text);
    }
  }
}

void check_materialize_applied(const Response& r, Conformance& c) {
  check_state_fields(r, c, {"actionDescription", "state"});
  check_state_update(r, c);
}

nlohmann::json check_materialize_opened(const Response& r, Conformance& c) {
  check_fields(r.body, {"runtimeCheckpoint", "disableLoadOptimization"}, "opened", r, c);
  const auto* checkpoint = find_field(r.body, "runtimeCheckpoint");
  if (checkpoint == nullptr) {
    return nullptr;
  }
  if (!checkpoint->is_object()) {
    c.violation(rule::kFieldType, r.line, "opened.runtimeCheckpoint must be an object", r.text);
    return nullptr;
  }
  return nlohmann::json::parse(checkpoint->dump());
}

std::optional<StateUpdate> check_state_update(const Response& r, Conformance& c) {
  const auto* state = find_field(r.body, "state");
  if (state == nullptr) {
    return std::nullopt;
  }
  if (!state->is_object()) {
    c.violation(rule::kFieldType, r.line, r.kind + ".state must be an object", r.text);
    return std::nullopt;
  }
  check_fields(*state, {"updated", "mergePatch"}, r.kind + ".state", r, c);
  StateUpdate out;
  if (const auto* updated = find_field(*state, "updated"); updated != nullptr) {
    out.updated = nlohmann::json::parse(updated->dump());
  }
  if (const auto* merge = find_field(*state, "mergePatch"); merge != nullptr) {
    if (!merge->is_boolean()) {
      c.violation(rule::kFieldType, r.line, r.kind + ".state.mergePatch must be a boolean", r.text);
    } else {
      out.merge_patch = merge->get<bool>();
    }
  }
  return out;
}

}  // namespace flow::local
