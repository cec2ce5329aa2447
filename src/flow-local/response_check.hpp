// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <flow/line_reader.hpp>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flow-local/conformance.hpp"

/// Cold-path decoding and checking of connector responses, shared by the capture,
/// materialize and derive verbs. A response line must be one JSON object with exactly one
/// top-level key (the message kind); fields must be ones the protocol defines, by their
/// json_name (camelCase) or proto name (snake_case, `_json` suffix for raw-JSON fields), and
/// never null. Bodies keep their key order (ordered_json) so they print as the connector sent
/// them.
///
/// Example:
///   auto response = parse_response(*line, {"spec", "discovered"}, conformance);
///   if (response && response->kind == "spec")
///     check_fields(response->body, {"protocol", "configSchema"}, "spec", *line, conformance);
namespace flow::local {

using OrderedJson = nlohmann::ordered_json;

struct Response {
  std::string kind;  ///< camelCase message kind ("spec", "sourcedSchema", …)
  OrderedJson body;  ///< the message object under that key
  std::size_t line = 0;
  std::string text;  ///< the whole line, for excerpts
};

/// Parses one response line. Reports response-json / response-kind violations; returns
/// nullopt (lenient mode) when the line cannot be used. A kind's proto name is accepted and
/// normalised to its json_name ("sourced_schema" → "sourcedSchema").
std::optional<Response> parse_response(const flow::Line& line,
                                       std::span<const std::string_view> known_kinds,
                                       Conformance& conformance);

/// Reports unknown-field for every key of `object` not in `known` (json_names; the proto
/// spellings are accepted too) and field-type for explicit nulls. `where` names the message
/// ("spec", "discovered.bindings[2]").
void check_fields(const OrderedJson& object,
                  std::initializer_list<std::string_view> known,
                  std::string_view where,
                  const Response& response,
                  Conformance& conformance);

/// The field `name` of `object`, by json_name or proto spelling; nullptr when absent.
const OrderedJson* find_field(const OrderedJson& object, std::string_view name);

/// "configSchema" → "config_schema". Pure.
std::string snake_case(std::string_view camel);

}  // namespace flow::local
