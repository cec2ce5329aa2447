// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test support for the pure request decoders, which take a simdjson On-Demand value.
//
// Example:
//   flow::test::with_value(R"({"name":"x"})", [&](simdjson::ondemand::value value) {
//     open = flow::derive::detail::decode_open(value);
//   });

#include <simdjson.h>

#include <string>

namespace flow::test {

/// Parses `json` and hands its root value to `fn` (the document stays alive during the call).
template <class Fn>
void with_value(const std::string& json, Fn&& fn) {
  const simdjson::padded_string text(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc = parser.iterate(text);
  fn(doc.get_value().value());
}

}  // namespace flow::test
