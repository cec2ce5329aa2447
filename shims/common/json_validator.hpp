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
///   bool has_meta = false;  // is "_meta" one of the record's own keys (however escaped)?
///   if (!validator.valid_object(record, capacity, "_meta", has_meta)) {
///     throw flow::Error("record is not valid JSON");
///   }
namespace flow::shims {

class JsonValidator {
 public:
  /// Whether `text` is exactly one valid JSON object; `has_key` is set to whether one of the
  /// object's own (top-level) keys, unescaped, is `key` (a nested key or a string value does
  /// not count; an empty `key` looks for nothing). The `capacity` bytes from text.data() must
  /// be readable (at least text.size() + SIMDJSON_PADDING).
  bool valid_object(std::string_view text,
                    std::size_t capacity,
                    std::string_view key,
                    bool& has_key);
  /// The same walk over an object of a document the caller is iterating (not yet read): it
  /// reads the object to its end, so the caller's iteration continues after it. On false the
  /// document's iteration is unusable.
  static bool walk_object(simdjson::ondemand::object object, std::string_view key, bool& has_key);

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace flow::shims
