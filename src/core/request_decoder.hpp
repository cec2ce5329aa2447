// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: tolerant decoding of runtime requests with simdjson On-Demand, shared by the
// capture, materialize and derive protocol layers. Unknown fields (including "$internal")
// are skipped, both the json_name (camelCase) and the proto name (snake_case) are accepted,
// missing fields keep their proto3 defaults, and 64-bit integers may be numbers or strings.
//
// Decoders throw flow::detail::DecodeError naming the field; the serve loop rethrows it as
// flow::ProtocolError with the stdin line number.

#include <simdjson.h>

#include <cstdint>
#include <flow/line_reader.hpp>
#include <flow/protocol/common.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

namespace od = simdjson::ondemand;

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// True if `key` is the field's json_name or its proto name.
inline bool key_is(std::string_view key, std::string_view json_name, std::string_view proto_name) {
  return key == json_name || key == proto_name;
}

/// The value's first token, quoted and cut to 40 characters, for error messages; "the end
/// of the input" for a value simdjson has placed past the document's last token (it does
/// after some malformed input). Stays inside the current DocumentScope and never reads more
/// than 41 bytes, which the padding simdjson requires after every document covers.
std::string token_excerpt(od::value& value);

/// Names `text` as the JSON document this thread is decoding while the scope lives, so
/// token_excerpt() quotes only what lies inside it. RequestParser::parse opens one; code that
/// iterates a document of its own and decodes it with these helpers opens one too.
///
/// Example:
///   const simdjson::padded_string text(raw);
///   DocumentScope scope(text);
///   od::document doc = parser.iterate(text);
class DocumentScope {
 public:
  explicit DocumentScope(std::string_view text) noexcept;
  ~DocumentScope();
  DocumentScope(const DocumentScope&) = delete;
  DocumentScope& operator=(const DocumentScope&) = delete;
  DocumentScope(DocumentScope&&) = delete;
  DocumentScope& operator=(DocumentScope&&) = delete;

 private:
  std::string_view previous_;
};
/// The value as an object; throws DecodeError quoting what was found instead.
od::object get_object(od::value value, std::string_view field);

/// Enums travel as their names; a number (an enum value) is tolerated and kept as text.
std::string get_enum(od::value value, std::string_view field);

/// Calls fn(element) for every element of the array `value`.
template <class Fn>
void for_each_element(od::value value, std::string_view field, Fn&& fn) {
  od::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    throw DecodeError("field '" + std::string(field) + "': expected an array, found " +
                      token_excerpt(value));
  }
  for (auto element : array) {
    od::value element_value;
    if (auto error = element.get(element_value); error != simdjson::SUCCESS) {
      throw DecodeError("field '" + std::string(field) + "': malformed element (" +
                        simdjson::error_message(error) + ")");
    }
    fn(element_value);
  }
}

/// Calls fn(key, value) for every field of `object` except "$internal".
void for_each_field(od::object object,
                    const std::function<void(std::string_view key, od::value value)>& fn);

std::string get_string(od::value value, std::string_view field);
bool get_bool(od::value value, std::string_view field);
std::uint32_t get_u32(od::value value, std::string_view field);
/// Accepts a JSON number or a decimal string (proto3 JSON encodes 64-bit ints as strings).
std::uint64_t get_u64(od::value value, std::string_view field);
std::int64_t get_i64(od::value value, std::string_view field);
std::vector<std::string> get_string_array(od::value value, std::string_view field);
/// The value's JSON text exactly as sent (no re-serialisation). Valid while the line is.
std::string_view get_raw(od::value value, std::string_view field);
/// The value parsed into nlohmann::json (cold path: configs, schemas, state).
nlohmann::json get_json(od::value value, std::string_view field);
/// Base64 bytes (standard alphabet, padding optional).
std::string get_bytes(od::value value, std::string_view field);
/// A base64 field's text, not yet decoded: the hot paths decode it into a reused buffer
/// (base64.hpp). A view valid until the next value is read.
std::string_view get_base64_text(od::value value, std::string_view field);

RangeSpec decode_range(od::value value);
CollectionSpec decode_collection(od::value value);
ConnectorState decode_connector_state(od::value value);

/// A parsed request line: the single top-level variant key and its value.
/// Example:
///   RequestParser parser;
///   parser.parse(line, [&](std::string_view kind, od::value body) { ... });
class RequestParser {
 public:
  /// Parses `line` and calls fn once with the variant key and its body. Throws
  /// flow::ProtocolError (with the line number) for malformed JSON, a non-object, zero or
  /// several variant keys, or a DecodeError thrown by fn.
  void parse(const Line& line,
             const std::function<void(std::string_view kind, od::value body)>& fn);

 private:
  od::parser parser_;
};

}  // namespace flow::detail
