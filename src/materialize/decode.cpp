// SPDX-License-Identifier: Apache-2.0
// Decoding of the cold-path materialize requests (PROTOCOL.md §4.1).

#include <flow/error.hpp>

#include "core/linked_collections.hpp"
#include "materialize/codec.hpp"

namespace flow::materialize::detail {

namespace {

using flow::detail::CollectionRef;
using flow::detail::DecodeError;
using flow::detail::for_each_element;
using flow::detail::for_each_field;
using flow::detail::get_bool;
using flow::detail::get_enum;
using flow::detail::get_json;
using flow::detail::get_raw;
using flow::detail::get_string;
using flow::detail::get_string_array;
using flow::detail::get_u32;
using flow::detail::key_is;
using flow::detail::LinkedCollections;

nlohmann::json object_or_empty(const nlohmann::json& value) {
  return value.is_null() ? nlohmann::json::object() : value;
}

FieldSelection decode_field_selection(od::value value) {
  FieldSelection selection;
  for_each_field(as_object(value, "fieldSelection"), [&](std::string_view key, od::value v) {
    if (key == "keys") {
      selection.keys = get_string_array(v, key);
    } else if (key == "values") {
      selection.values = get_string_array(v, key);
    } else if (key == "document") {
      selection.document = get_string(v, key);
    } else if (key_is(key, "fieldConfig", "field_config_json_map")) {
      selection.field_config = object_or_empty(get_json(v, key));
    }
  });
  return selection;
}

Binding decode_binding(od::value value, CollectionRef& ref) {
  Binding binding;
  for_each_field(as_object(value, "bindings[]"), [&](std::string_view key, od::value v) {
    if (key_is(key, "resourceConfig", "resource_config_json")) {
      binding.resource_config = object_or_empty(get_json(v, key));
    } else if (key_is(key, "resourcePath", "resource_path")) {
      binding.resource_path = get_string_array(v, key);
    } else if (key == "collection") {
      binding.collection = flow::detail::decode_collection(v);
      ref.has_inline = true;
    } else if (key_is(key, "collectionIndex", "collection_index")) {
      ref.index = get_u32(v, key);
    } else if (key_is(key, "fieldSelection", "field_selection")) {
      binding.field_selection = decode_field_selection(v);
    } else if (key_is(key, "deltaUpdates", "delta_updates")) {
      binding.delta_updates = get_bool(v, key);
    } else if (key == "backfill") {
      binding.backfill = get_u32(v, key);
    } else if (key_is(key, "stateKey", "state_key")) {
      binding.state_key = get_string(v, key);
    }
  });
  return binding;
}

/// `field` names the spec in errors ("open.materialization", ...).
MaterializationSpec decode_materialization(od::value value, std::string_view field) {
  MaterializationSpec spec;
  LinkedCollections linked;
  for_each_field(as_object(value, "materialization"), [&](std::string_view key, od::value v) {
    if (key == "name") {
      spec.name = get_string(v, key);
    } else if (key_is(key, "connectorType", "connector_type")) {
      spec.connector_type = get_enum(v, key);
    } else if (key_is(key, "config", "config_json")) {
      spec.config = object_or_empty(get_json(v, key));
    } else if (key == "bindings") {
      for_each_element(v, key, [&](od::value b) {
        CollectionRef ref;
        spec.bindings.push_back(decode_binding(b, ref));
        linked.add(ref);
      });
    } else if (key_is(key, "linkedCollections", "linked_collections")) {
      linked.decode_table(v, std::string(field) + ".linkedCollections");
    }
  });
  linked.resolve(spec.bindings, std::string(field) + ".bindings");
  return spec;
}

ValidateBinding decode_validate_binding(od::value value, CollectionRef& ref) {
  ValidateBinding binding;
  for_each_field(as_object(value, "bindings[]"), [&](std::string_view key, od::value v) {
    if (key_is(key, "resourceConfig", "resource_config_json")) {
      binding.resource_config = object_or_empty(get_json(v, key));
    } else if (key == "collection") {
      binding.collection = flow::detail::decode_collection(v);
      ref.has_inline = true;
    } else if (key_is(key, "collectionIndex", "collection_index")) {
      ref.index = get_u32(v, key);
    } else if (key_is(key, "fieldConfig", "field_config_json_map")) {
      binding.field_config = object_or_empty(get_json(v, key));
    } else if (key == "backfill") {
      binding.backfill = get_u32(v, key);
    } else if (key_is(key, "groupBy", "group_by")) {
      binding.group_by = get_string_array(v, key);
    }
  });
  return binding;
}

nlohmann::json get_state_patches(od::value value, std::string_view key) {
  return get_json(value, key);
}

}  // namespace

od::object as_object(od::value value, std::string_view what) {
  return flow::detail::get_object(value, what);
}

SpecRequest decode_spec(od::value value) {
  SpecRequest request;
  for_each_field(as_object(value, "spec"), [&](std::string_view key, od::value v) {
    if (key_is(key, "connectorType", "connector_type")) {
      request.connector_type = get_enum(v, key);
    } else if (key_is(key, "config", "config_json")) {
      request.config = object_or_empty(get_json(v, key));
    }
  });
  return request;
}

Validate decode_validate(od::value value) {
  Validate request;
  LinkedCollections linked;
  for_each_field(as_object(value, "validate"), [&](std::string_view key, od::value v) {
    if (key == "name") {
      request.name = get_string(v, key);
    } else if (key_is(key, "connectorType", "connector_type")) {
      request.connector_type = get_enum(v, key);
    } else if (key_is(key, "config", "config_json")) {
      request.config = object_or_empty(get_json(v, key));
    } else if (key == "bindings") {
      for_each_element(v, key, [&](od::value b) {
        CollectionRef ref;
        request.bindings.push_back(decode_validate_binding(b, ref));
        linked.add(ref);
      });
    } else if (key_is(key, "lastMaterialization", "last_materialization")) {
      request.last_materialization = decode_materialization(v, "validate.lastMaterialization");
    } else if (key_is(key, "lastVersion", "last_version")) {
      request.last_version = get_string(v, key);
    } else if (key_is(key, "linkedCollections", "linked_collections")) {
      linked.decode_table(v, "validate.linkedCollections");
    }
  });
  linked.resolve(request.bindings, "validate.bindings");
  return request;
}

Apply decode_apply(od::value value) {
  Apply request;
  for_each_field(as_object(value, "apply"), [&](std::string_view key, od::value v) {
    if (key == "materialization") {
      request.materialization = decode_materialization(v, "apply.materialization");
    } else if (key == "version") {
      request.version = get_string(v, key);
    } else if (key_is(key, "lastMaterialization", "last_materialization")) {
      request.last_materialization = decode_materialization(v, "apply.lastMaterialization");
    } else if (key_is(key, "lastVersion", "last_version")) {
      request.last_version = get_string(v, key);
    } else if (key_is(key, "state", "state_json")) {
      request.state = object_or_empty(get_json(v, key));
    }
  });
  return request;
}

Open decode_open(od::value value) {
  Open request;
  for_each_field(as_object(value, "open"), [&](std::string_view key, od::value v) {
    if (key == "materialization") {
      request.materialization = decode_materialization(v, "open.materialization");
    } else if (key == "version") {
      request.version = get_string(v, key);
    } else if (key == "range") {
      request.range = flow::detail::decode_range(v);
    } else if (key_is(key, "state", "state_json")) {
      request.state = object_or_empty(get_json(v, key));
    } else if (key_is(key, "sealedConfig", "sealed_config_json")) {
      request.sealed_config = get_json(v, key);
    }
  });
  return request;
}

Flush decode_flush(od::value value) {
  Flush request;
  for_each_field(as_object(value, "flush"), [&](std::string_view key, od::value v) {
    if (key_is(key, "statePatches", "state_patches_json")) {
      request.state_patches = get_state_patches(v, key);
    }
  });
  return request;
}

Acknowledge decode_acknowledge(od::value value) {
  Acknowledge request;
  for_each_field(as_object(value, "acknowledge"), [&](std::string_view key, od::value v) {
    if (key_is(key, "statePatches", "state_patches_json")) {
      request.state_patches = get_state_patches(v, key);
    }
  });
  return request;
}

StartCommit decode_start_commit(od::value value) {
  StartCommit request;
  request.runtime_checkpoint = "{}";
  for_each_field(as_object(value, "startCommit"), [&](std::string_view key, od::value v) {
    if (key_is(key, "runtimeCheckpoint", "runtime_checkpoint")) {
      request.runtime_checkpoint = get_raw(v, key);
    } else if (key_is(key, "statePatches", "state_patches_json")) {
      request.state_patches = get_state_patches(v, key);
    }
  });
  return request;
}

}  // namespace flow::materialize::detail
