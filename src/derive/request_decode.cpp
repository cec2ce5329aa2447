// SPDX-License-Identifier: Apache-2.0
#include "derive/request_decode.hpp"

#include <flow/tuple.hpp>
#include <string>
#include <utility>

#include "core/base64.hpp"
#include "core/linked_collections.hpp"

namespace flow::derive::detail {

using flow::detail::CollectionRef;
using flow::detail::DecodeError;
using flow::detail::for_each_element;
using flow::detail::for_each_field;
using flow::detail::get_json;
using flow::detail::get_raw;
using flow::detail::get_string;
using flow::detail::get_string_array;
using flow::detail::get_u32;
using flow::detail::get_u64;
using flow::detail::key_is;
using flow::detail::LinkedCollections;

namespace {

/// A CollectionSpec that may carry a `derivation`: On-Demand reads a value once, so the
/// collection's raw text is parsed twice (cold path: once per Open).
struct CollectionWithDerivation {
  CollectionSpec collection;
  std::optional<Derivation> derivation;
};

CollectionWithDerivation decode_collection_with_derivation(od::value value) {
  const simdjson::padded_string text(get_raw(value, "collection"));
  const flow::detail::DocumentScope scope(text);
  CollectionWithDerivation result;
  od::parser parser;
  {
    od::document doc = parser.iterate(text);
    result.collection = flow::detail::decode_collection(doc.get_value());
  }
  od::document doc = parser.iterate(text);
  od::object object;
  if (auto error = doc.get_object().get(object); error != simdjson::SUCCESS) {
    throw DecodeError("field 'collection': expected an object");
  }
  for_each_field(object, [&](std::string_view key, od::value v) {
    if (key == "derivation") {
      result.derivation = decode_derivation(v);
    }
  });
  return result;
}

ValidateTransform decode_validate_transform(od::value value, LinkedCollections& linked) {
  ValidateTransform transform;
  CollectionRef ref;
  for_each_field(
      flow::detail::get_object(value, "transforms[]"), [&](std::string_view key, od::value v) {
        if (key == "name") {
          transform.name = get_string(v, "transforms[].name");
        } else if (key == "collection") {
          transform.collection = flow::detail::decode_collection(v);
          ref.has_inline = true;
        } else if (key_is(key, "shuffleLambdaConfig", "shuffle_lambda_config_json")) {
          transform.shuffle_lambda_config = get_json(v, "transforms[].shuffleLambdaConfig");
        } else if (key_is(key, "lambdaConfig", "lambda_config_json")) {
          transform.lambda_config = get_json(v, "transforms[].lambdaConfig");
        } else if (key == "backfill") {
          transform.backfill = get_u32(v, "transforms[].backfill");
        } else if (key_is(key, "collectionIndex", "collection_index")) {
          ref.index = get_u32(v, "transforms[].collectionIndex");
        }
      });
  // With linkedCollections the transform names its collection by index instead.
  linked.add(ref);
  return transform;
}

Transform decode_transform(od::value value, LinkedCollections& linked) {
  Transform transform;
  CollectionRef ref;
  for_each_field(
      flow::detail::get_object(value, "transforms[]"), [&](std::string_view key, od::value v) {
        if (key == "name") {
          transform.name = get_string(v, "transforms[].name");
        } else if (key == "collection") {
          transform.collection = flow::detail::decode_collection(v);
          ref.has_inline = true;
        } else if (key_is(key, "shuffleKey", "shuffle_key")) {
          transform.shuffle_key = get_string_array(v, "transforms[].shuffleKey");
        } else if (key_is(key, "shuffleLambdaConfig", "shuffle_lambda_config_json")) {
          transform.shuffle_lambda_config = get_json(v, "transforms[].shuffleLambdaConfig");
        } else if (key_is(key, "lambdaConfig", "lambda_config_json")) {
          transform.lambda_config = get_json(v, "transforms[].lambdaConfig");
        } else if (key_is(key, "readOnly", "read_only")) {
          transform.read_only = flow::detail::get_bool(v, "transforms[].readOnly");
        } else if (key == "backfill") {
          transform.backfill = get_u32(v, "transforms[].backfill");
        } else if (key_is(key, "stateKey", "state_key")) {
          transform.state_key = get_string(v, "transforms[].stateKey");
        } else if (key_is(key, "collectionIndex", "collection_index")) {
          ref.index = get_u32(v, "transforms[].collectionIndex");
        }
      });
  linked.add(ref);
  return transform;
}

}  // namespace

SpecRequest decode_spec(od::value body) {
  SpecRequest request;
  for_each_field(flow::detail::get_object(body, "spec"), [&](std::string_view key, od::value v) {
    if (key_is(key, "connectorType", "connector_type")) {
      request.connector_type = get_string(v, "spec.connectorType");
    } else if (key_is(key, "config", "config_json")) {
      request.config = get_json(v, "spec.config");
    }
  });
  return request;
}

Validate decode_validate(od::value body) {
  Validate request;
  LinkedCollections linked;
  for_each_field(
      flow::detail::get_object(body, "validate"), [&](std::string_view key, od::value v) {
        if (key_is(key, "connectorType", "connector_type")) {
          request.connector_type = get_string(v, "validate.connectorType");
        } else if (key_is(key, "config", "config_json")) {
          request.config = get_json(v, "validate.config");
        } else if (key == "collection") {
          request.collection = flow::detail::decode_collection(v);
        } else if (key == "transforms") {
          for_each_element(v, "validate.transforms", [&](od::value element) {
            request.transforms.push_back(decode_validate_transform(element, linked));
          });
        } else if (key_is(key, "shuffleKeyTypes", "shuffle_key_types")) {
          request.shuffle_key_types = get_string_array(v, "validate.shuffleKeyTypes");
        } else if (key_is(key, "projectRoot", "project_root")) {
          request.project_root = get_string(v, "validate.projectRoot");
        } else if (key_is(key, "importMap", "import_map")) {
          for_each_field(flow::detail::get_object(v, "validate.importMap"), [&](std::string_view k,
                                                                                od::value url) {
            request.import_map.emplace(std::string(k), get_string(url, "validate.importMap"));
          });
        } else if (key_is(key, "lastCollection", "last_collection")) {
          request.last_collection = flow::detail::decode_collection(v);
        } else if (key_is(key, "lastVersion", "last_version")) {
          request.last_version = get_string(v, "validate.lastVersion");
        } else if (key_is(key, "linkedCollections", "linked_collections")) {
          linked.decode_table(v, "validate.linkedCollections");
        }
      });
  linked.resolve(request.transforms, "transforms");
  return request;
}

Derivation decode_derivation(od::value value) {
  Derivation derivation;
  LinkedCollections linked;
  for_each_field(
      flow::detail::get_object(value, "derivation"), [&](std::string_view key, od::value v) {
        if (key_is(key, "connectorType", "connector_type")) {
          derivation.connector_type = get_string(v, "derivation.connectorType");
        } else if (key_is(key, "config", "config_json")) {
          derivation.config = get_json(v, "derivation.config");
        } else if (key == "transforms") {
          for_each_element(v, "derivation.transforms", [&](od::value element) {
            derivation.transforms.push_back(decode_transform(element, linked));
          });
        } else if (key_is(key, "shuffleKeyTypes", "shuffle_key_types")) {
          derivation.shuffle_key_types = get_string_array(v, "derivation.shuffleKeyTypes");
        } else if (key_is(key, "linkedCollections", "linked_collections")) {
          linked.decode_table(v, "derivation.linkedCollections");
        }
      });
  linked.resolve(derivation.transforms, "transforms");
  return derivation;
}

Open decode_open(od::value body) {
  Open request;
  for_each_field(flow::detail::get_object(body, "open"), [&](std::string_view key, od::value v) {
    if (key == "collection") {
      auto decoded = decode_collection_with_derivation(v);
      request.collection = std::move(decoded.collection);
      if (decoded.derivation) {
        request.derivation = std::move(*decoded.derivation);
      }
    } else if (key == "version") {
      request.version = get_string(v, "open.version");
    } else if (key == "range") {
      request.range = flow::detail::decode_range(v);
    } else if (key_is(key, "state", "state_json")) {
      request.state = get_json(v, "open.state");
    }
  });
  if (request.state.is_null()) {
    request.state = nlohmann::json::object();
  }
  return request;
}

void set_shuffle_key_from_packed(Read& read, std::string_view packed, std::string& json) {
  json.clear();
  try {
    tuple::append_json_array(json, packed);
  } catch (const tuple::TupleError& e) {
    throw DecodeError(std::string("field 'read.shuffle.packed': ") + e.what());
  }
  read.shuffle_key = json;
}

Read decode_read(od::value body, ShuffleKeyScratch& scratch) {
  Read read;
  bool has_doc = false;
  std::string_view packed_base64;
  for_each_field(flow::detail::get_object(body, "read"), [&](std::string_view key, od::value v) {
    if (key_is(key, "doc", "doc_json")) {
      read.doc = get_raw(v, "read.doc");
      has_doc = true;
    } else if (key == "transform") {
      read.transform = get_u32(v, "read.transform");
    } else if (key == "uuid") {
      for_each_field(flow::detail::get_object(v, "read.uuid"),
                     [&](std::string_view k, od::value part) {
                       if (k == "node") {
                         read.uuid.node = get_u64(part, "read.uuid.node");
                       } else if (k == "clock") {
                         read.uuid.clock = get_u64(part, "read.uuid.clock");
                       }
                     });
    } else if (key == "shuffle") {
      for_each_field(flow::detail::get_object(v, "read.shuffle"),
                     [&](std::string_view k, od::value part) {
                       if (key_is(k, "key", "key_json")) {
                         read.shuffle_key = get_raw(part, "read.shuffle.key");
                       } else if (k == "packed") {
                         packed_base64 = flow::detail::get_base64_text(part, "read.shuffle.packed");
                       } else if (k == "hash") {
                         read.shuffle_hash = get_u32(part, "read.shuffle.hash");
                       }
                     });
    }
  });
  if (!has_doc) {
    throw DecodeError("read has no 'doc'");
  }
  // The newest runtimes send `key` to JSON connectors and `packed` under protobuf; a
  // packed-only key (an older runtime) reaches the connector as the same JSON array.
  if (read.shuffle_key.empty() && !packed_base64.empty()) {
    scratch.bytes.clear();
    if (!flow::detail::base64_decode(scratch.bytes, packed_base64)) {
      throw DecodeError("field 'read.shuffle.packed': not base64");
    }
    set_shuffle_key_from_packed(read, scratch.bytes, scratch.json);
  }
  return read;
}

}  // namespace flow::derive::detail
