// SPDX-License-Identifier: Apache-2.0
#include <flow/error.hpp>

#include "capture/codec.hpp"
#include "core/linked_collections.hpp"

namespace flow::capture::detail {

namespace {

using flow::detail::CollectionRef;
using flow::detail::DecodeError;
using flow::detail::for_each_element;
using flow::detail::for_each_field;
using flow::detail::get_enum;
using flow::detail::get_json;
using flow::detail::get_string;
using flow::detail::get_string_array;
using flow::detail::get_u32;
using flow::detail::key_is;
using flow::detail::LinkedCollections;
namespace od = flow::detail::od;

Binding decode_binding(od::value value, CollectionRef& ref) {
  Binding binding;
  for_each_field(flow::detail::get_object(value, "bindings[]"),
                 [&](std::string_view key, od::value v) {
                   if (key_is(key, "resourceConfig", "resource_config_json")) {
                     binding.resource_config = get_json(v, key);
                   } else if (key_is(key, "resourcePath", "resource_path")) {
                     binding.resource_path = get_string_array(v, key);
                   } else if (key == "collection") {
                     binding.collection = flow::detail::decode_collection(v);
                     ref.has_inline = true;
                   } else if (key == "backfill") {
                     binding.backfill = get_u32(v, key);
                   } else if (key_is(key, "stateKey", "state_key")) {
                     binding.state_key = get_string(v, key);
                   } else if (key_is(key, "collectionIndex", "collection_index")) {
                     ref.index = get_u32(v, key);
                   }
                 });
  return binding;
}

/// `field` names the spec in errors ("open.capture", "validate.lastCapture", ...).
CaptureSpec decode_capture_spec(od::value value, std::string_view field) {
  CaptureSpec spec;
  LinkedCollections linked;
  for_each_field(flow::detail::get_object(value, "capture"),
                 [&](std::string_view key, od::value v) {
                   if (key == "name") {
                     spec.name = get_string(v, key);
                   } else if (key_is(key, "connectorType", "connector_type")) {
                     spec.connector_type = get_enum(v, key);
                   } else if (key_is(key, "config", "config_json")) {
                     spec.config = get_json(v, key);
                   } else if (key == "bindings") {
                     for_each_element(v, key, [&](od::value b) {
                       CollectionRef ref;
                       spec.bindings.push_back(decode_binding(b, ref));
                       linked.add(ref);
                     });
                   } else if (key_is(key, "intervalSeconds", "interval_seconds")) {
                     spec.interval_seconds = get_u32(v, key);
                   } else if (key_is(key, "linkedCollections", "linked_collections")) {
                     linked.decode_table(v, std::string(field) + ".linkedCollections");
                   }
                 });
  linked.resolve(spec.bindings, std::string(field) + ".bindings");
  return spec;
}

SpecRequest decode_spec(od::value value) {
  SpecRequest request;
  for_each_field(flow::detail::get_object(value, "spec"), [&](std::string_view key, od::value v) {
    if (key_is(key, "connectorType", "connector_type")) {
      request.connector_type = get_enum(v, key);
    } else if (key_is(key, "config", "config_json")) {
      request.config = get_json(v, key);
    }
  });
  return request;
}

Discover decode_discover(od::value value) {
  Discover request;
  for_each_field(flow::detail::get_object(value, "discover"),
                 [&](std::string_view key, od::value v) {
                   if (key_is(key, "connectorType", "connector_type")) {
                     request.connector_type = get_enum(v, key);
                   } else if (key_is(key, "config", "config_json")) {
                     request.config = get_json(v, key);
                   } else if (key == "name") {
                     request.name = get_string(v, key);
                   } else if (key_is(key, "createdAt", "created_at")) {
                     request.created_at = get_string(v, key);
                   }
                 });
  return request;
}

ValidateBinding decode_validate_binding(od::value value, CollectionRef& ref) {
  ValidateBinding binding;
  for_each_field(flow::detail::get_object(value, "bindings[]"),
                 [&](std::string_view key, od::value v) {
                   if (key_is(key, "resourceConfig", "resource_config_json")) {
                     binding.resource_config = get_json(v, key);
                   } else if (key == "collection") {
                     binding.collection = flow::detail::decode_collection(v);
                     ref.has_inline = true;
                   } else if (key == "backfill") {
                     binding.backfill = get_u32(v, key);
                   } else if (key_is(key, "collectionIndex", "collection_index")) {
                     ref.index = get_u32(v, key);
                   }
                 });
  return binding;
}

Validate decode_validate(od::value value) {
  Validate request;
  LinkedCollections linked;
  for_each_field(flow::detail::get_object(value, "validate"),
                 [&](std::string_view key, od::value v) {
                   if (key == "name") {
                     request.name = get_string(v, key);
                   } else if (key_is(key, "connectorType", "connector_type")) {
                     request.connector_type = get_enum(v, key);
                   } else if (key_is(key, "config", "config_json")) {
                     request.config = get_json(v, key);
                   } else if (key == "bindings") {
                     for_each_element(v, key, [&](od::value b) {
                       CollectionRef ref;
                       request.bindings.push_back(decode_validate_binding(b, ref));
                       linked.add(ref);
                     });
                   } else if (key_is(key, "lastCapture", "last_capture")) {
                     request.last_capture = decode_capture_spec(v, "validate.lastCapture");
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
  for_each_field(flow::detail::get_object(value, "apply"), [&](std::string_view key, od::value v) {
    if (key == "capture") {
      request.capture = decode_capture_spec(v, "apply.capture");
    } else if (key == "version") {
      request.version = get_string(v, key);
    } else if (key_is(key, "lastCapture", "last_capture")) {
      request.last_capture = decode_capture_spec(v, "apply.lastCapture");
    } else if (key_is(key, "lastVersion", "last_version")) {
      request.last_version = get_string(v, key);
    } else if (key_is(key, "state", "state_json")) {
      request.state = get_json(v, key);
    }
  });
  return request;
}

Open decode_open(od::value value) {
  Open request;
  for_each_field(flow::detail::get_object(value, "open"), [&](std::string_view key, od::value v) {
    if (key == "capture") {
      request.capture = decode_capture_spec(v, "open.capture");
    } else if (key == "version") {
      request.version = get_string(v, key);
    } else if (key == "range") {
      request.range = flow::detail::decode_range(v);
    } else if (key_is(key, "state", "state_json")) {
      request.state = get_json(v, key);
    } else if (key_is(key, "sealedConfig", "sealed_config_json")) {
      request.sealed_config = get_json(v, key);
    }
  });
  if (request.state.is_null()) {
    request.state = nlohmann::json::object();
  }
  return request;
}

AcknowledgeRequest decode_acknowledge(od::value value) {
  AcknowledgeRequest request;
  for_each_field(flow::detail::get_object(value, "acknowledge"),
                 [&](std::string_view key, od::value v) {
                   if (key == "checkpoints") {
                     request.checkpoints = get_u32(v, key);
                   }
                 });
  return request;
}

}  // namespace

Request decode_request(flow::detail::RequestParser& parser, const Line& line) {
  std::optional<Request> request;
  parser.parse(line, [&](std::string_view kind, od::value body) {
    if (kind == "spec") {
      request = decode_spec(body);
    } else if (kind == "discover") {
      request = decode_discover(body);
    } else if (kind == "validate") {
      request = decode_validate(body);
    } else if (kind == "apply") {
      request = decode_apply(body);
    } else if (kind == "open") {
      request = decode_open(body);
    } else if (kind == "acknowledge") {
      request = decode_acknowledge(body);
    } else {
      throw DecodeError(
          "unknown request '" + std::string(kind) +
          "' (a capture expects spec, discover, validate, apply, open or acknowledge)");
    }
  });
  return std::move(*request);
}

}  // namespace flow::capture::detail
