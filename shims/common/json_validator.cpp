// SPDX-License-Identifier: Apache-2.0
#include <common/json_depth.hpp>
#include <common/json_validator.hpp>

namespace flow::shims {

namespace od = simdjson::ondemand;

namespace {

// `depth` counts the arrays and objects around the value; beyond kMaxJsonDepth the walk
// stops (On-Demand itself does not bound it, and each level is a stack frame here).
bool valid_value(od::value value, std::size_t depth);

// `watched` (top level only, else null) is a key to look for: `*found` is set when one of
// the object's keys is that key.
bool valid_object_body(od::object object,
                       std::size_t depth,
                       std::string_view watched = {},
                       bool* found = nullptr) {
  if (depth > kMaxJsonDepth) {
    return false;
  }
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    if (found != nullptr && key == watched) {
      *found = true;
    }
    od::value child;
    if (field.value().get(child) != simdjson::SUCCESS || !valid_value(child, depth)) {
      return false;
    }
  }
  return true;
}

bool valid_value(od::value value, std::size_t depth) {
  od::json_type type{};
  if (value.type().get(type) != simdjson::SUCCESS) {
    return false;
  }
  switch (type) {
    case od::json_type::object: {
      od::object object;
      return value.get_object().get(object) == simdjson::SUCCESS &&
             valid_object_body(object, depth + 1);
    }
    case od::json_type::array: {
      od::array array;
      if (depth + 1 > kMaxJsonDepth || value.get_array().get(array) != simdjson::SUCCESS) {
        return false;
      }
      for (auto element : array) {
        od::value child;
        if (element.get(child) != simdjson::SUCCESS || !valid_value(child, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      return value.get_string().get(text) == simdjson::SUCCESS;
    }
    case od::json_type::number: {
      od::number number;
      return value.get_number().get(number) == simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool flag = false;
      return value.get_bool().get(flag) == simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      return value.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
  }
  return false;
}

}  // namespace

bool JsonValidator::valid_object(std::string_view text,
                                 std::size_t capacity,
                                 std::string_view key,
                                 bool& has_key) {
  has_key = false;
  od::document doc;
  if (parser_.iterate(text.data(), text.size(), capacity).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  od::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  return walk_object(object, key, has_key);
}

bool JsonValidator::walk_object(od::object object, std::string_view key, bool& has_key) {
  has_key = false;
  return valid_object_body(object, 1, key, key.empty() ? nullptr : &has_key);
}

}  // namespace flow::shims
