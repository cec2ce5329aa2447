// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

/// Full validation of a JSON object before it is spliced raw into a document. simdjson
/// On-Demand skips values it is not asked for without checking them (`{"a":tru}` skips
/// fine), so a record is walked once, touching every key and value. Records nested deeper
/// than kMaxJsonDepth (common/json_depth.hpp) are not valid: the walk recurses per level.
///
/// Example:
///   flow::shims::JsonValidator validator;
///   if (!validator.valid_object(record, capacity)) throw flow::Error("record is not valid JSON");
namespace flow::shims {

class JsonValidator {
 public:
  /// Whether `text` is exactly one valid JSON object. The `capacity` bytes from text.data()
  /// must be readable (at least text.size() + SIMDJSON_PADDING).
  bool valid_object(std::string_view text, std::size_t capacity);

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace flow::shims
