// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flow {

/// Appends compact JSON to a caller-owned std::string. It writes what it is told: the caller
/// is responsible for well-formedness (keys inside objects, matching begin/end). Strings are
/// escaped per RFC 8259; raw() splices an already-valid JSON value untouched, which is how
/// documents and schemas travel without being re-serialised.
///
/// Example:
///   std::string out;
///   flow::JsonWriter w(out);
///   w.begin_object().key("binding").number(0u).key("doc").raw(R"({"a":1})").end_object();
///   // out == R"({"binding":0,"doc":{"a":1}})"
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// Writes `"name":`, escaping the name.
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& number(std::uint64_t value);
  JsonWriter& number(std::int64_t value);
  JsonWriter& number(std::uint32_t value) { return number(static_cast<std::uint64_t>(value)); }
  JsonWriter& number(double value);
  JsonWriter& boolean(bool value);
  /// Splices `json` verbatim; it must already be one valid JSON value.
  JsonWriter& raw(std::string_view json);

  /// Appends `value` escaped as the body of a JSON string (no surrounding quotes).
  static void append_escaped(std::string& out, std::string_view value);

 private:
  void comma();

  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace flow
