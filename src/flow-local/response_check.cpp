// SPDX-License-Identifier: Apache-2.0
#include "flow-local/response_check.hpp"

#include <algorithm>
#include <cctype>

namespace flow::local {

std::string snake_case(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// True if `key` spells `name`: its json_name, its proto name, or the proto name of a raw-JSON
// field (suffix `_json`, `_json_map`, `_json_vec`).
bool spells(std::string_view key, std::string_view name) {
  if (key == name) {
    return true;
  }
  std::string snake = snake_case(name);
  if (key == snake) {
    return true;
  }
  if (key.size() > snake.size() && key.substr(0, snake.size()) == snake) {
    auto suffix = key.substr(snake.size());
    return suffix == "_json" || suffix == "_json_map" || suffix == "_json_vec";
  }
  // e.g. proto `schema_json` for json_name `documentSchema` in SourcedSchema.
  return name == "documentSchema" && key == "schema_json";
}

}  // namespace

const OrderedJson* find_field(const OrderedJson& object, std::string_view name) {
  if (!object.is_object()) {
    return nullptr;
  }
  for (const auto& [key, value] : object.items()) {
    if (spells(key, name)) {
      return &value;
    }
  }
  return nullptr;
}

std::optional<Response> parse_response(const flow::Line& line,
                                       std::span<const std::string_view> known_kinds,
                                       Conformance& conformance) {
  Response response;
  response.line = line.number;
  response.text.assign(line.text);
  if (!line.terminated) {
    conformance.violation(rule::kResponseJson, line.number,
                          "the connector wrote a partial message (no final newline) and then "
                          "closed its output",
                          line.text);
    return std::nullopt;
  }
  auto parsed = OrderedJson::parse(line.text.begin(), line.text.end(), nullptr, false);
  if (parsed.is_discarded()) {
    conformance.violation(rule::kResponseJson, line.number,
                          line.text.empty() ? "a blank line on stdout (only one compact JSON "
                                              "object per line is allowed)"
                                            : "stdout line is not valid JSON (is something "
                                              "printing to stdout?)",
                          line.text);
    return std::nullopt;
  }
  if (!parsed.is_object() || parsed.size() != 1) {
    conformance.violation(rule::kResponseKind, line.number,
                          "a response must be a JSON object with exactly one top-level key",
                          line.text);
    return std::nullopt;
  }
  const auto first = parsed.begin();
  const std::string& key = first.key();
  const OrderedJson& body = first.value();
  for (auto kind : known_kinds) {
    if (spells(key, kind)) {
      response.kind = kind;
      break;
    }
  }
  if (response.kind.empty()) {
    std::string expected;
    for (auto kind : known_kinds) {
      expected += (expected.empty() ? "" : ", ") + std::string(kind);
    }
    conformance.violation(rule::kResponseKind, line.number,
                          "unexpected response `" + key + "` (expected one of: " + expected + ")",
                          line.text);
    return std::nullopt;
  }
  if (!body.is_object()) {
    conformance.violation(rule::kFieldType, line.number, "`" + key + "` must hold a JSON object",
                          line.text);
    return std::nullopt;
  }
  response.body = body;
  return response;
}

void check_fields(const OrderedJson& object,
                  std::initializer_list<std::string_view> known,
                  std::string_view where,
                  const Response& response,
                  Conformance& conformance) {
  if (!object.is_object()) {
    conformance.violation(rule::kFieldType, response.line,
                          std::string(where) + " must be a JSON object", response.text);
    return;
  }
  for (const auto& item : object.items()) {
    // Named copies of the item, not a structured binding: clang 14 cannot capture a binding.
    const std::string& key = item.key();
    const OrderedJson& value = item.value();
    const bool is_known = std::any_of(known.begin(), known.end(),
                                      [&](std::string_view name) { return spells(key, name); });
    if (!is_known) {
      conformance.violation(rule::kUnknownField, response.line,
                            "unknown field `" + key + "` in " + std::string(where) +
                                " (older runtimes reject unknown response fields)",
                            response.text);
    } else if (value.is_null()) {
      conformance.violation(rule::kFieldType, response.line,
                            "field `" + key + "` in " + std::string(where) +
                                " is null (omit a field instead of sending null)",
                            response.text);
    }
  }
}

}  // namespace flow::local
