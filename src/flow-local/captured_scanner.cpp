// SPDX-License-Identifier: Apache-2.0
#include "flow-local/captured_scanner.hpp"

#include "flow-local/conformance.hpp"

namespace flow::local {
namespace od = simdjson::ondemand;

CapturedScanner::CapturedScanner(std::vector<std::vector<std::string>> key_pointers)
    : key_pointers_(std::move(key_pointers)) {}

CapturedScanner::Result CapturedScanner::invalid(std::string_view rule, std::string message) {
  problem_.rule = rule;
  problem_.message = std::move(message);
  return Result::invalid;
}

namespace {

bool needs_slow_path(std::string_view pointer) {
  // Array indices and escaped tokens go through document::at_pointer.
  for (char c : pointer) {
    if (c == '~' || (c >= '0' && c <= '9')) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string CapturedScanner::find_missing_key(od::object& doc,
                                              const std::vector<std::string>& pointers) {
  for (const auto& pointer : pointers) {
    if (needs_slow_path(pointer)) {
      return "\x01";  // signal: use the slow path for this document
    }
    // Walk "/a/b" token by token from the document root. find_field_unordered may be called
    // repeatedly on the same object, so every pointer starts again from `doc`.
    std::string_view rest(pointer);
    od::value value;
    od::object nested;
    bool at_root = true;
    while (!rest.empty()) {
      rest.remove_prefix(1);  // '/'
      auto slash = rest.find('/');
      std::string_view token = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
      if (at_root) {
        at_root = false;
        if (doc.find_field_unordered(token).get(value) != simdjson::SUCCESS) {
          return pointer;
        }
        continue;
      }
      if (value.get_object().get(nested) != simdjson::SUCCESS ||
          nested.find_field_unordered(token).get(value) != simdjson::SUCCESS) {
        return pointer;
      }
    }
  }
  return {};
}

std::string CapturedScanner::find_missing_key_slow(std::string_view doc,
                                                   const std::vector<std::string>& pointers) {
  simdjson::padded_string padded(doc);
  od::document parsed;
  if (doc_parser_.iterate(padded).get(parsed) != simdjson::SUCCESS) {
    return pointers.empty() ? std::string() : pointers.front();
  }
  for (const auto& pointer : pointers) {
    od::value value;
    if (parsed.at_pointer(pointer).get(value) != simdjson::SUCCESS) {
      return pointer;
    }
  }
  return {};
}

CapturedScanner::Result CapturedScanner::scan(const flow::Line& line,
                                              Captured& out,
                                              bool any_spelling) {
  // Cheap pre-check: anything that does not start like a captured message is cold path.
  std::string_view text = line.text;
  if (!any_spelling && (text.size() < 14 || text.substr(0, 12) != R"({"captured":)")) {
    return Result::other;
  }
  od::document doc;
  if (parser_.iterate(text.data(), text.size(), line.capacity).get(doc) != simdjson::SUCCESS) {
    return invalid(rule::kResponseJson, "not valid JSON");
  }
  od::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) {
    return invalid(rule::kResponseJson, "not valid JSON");
  }
  bool seen_kind = false;
  bool have_binding = false;
  bool have_doc = false;
  bool doc_before_binding = false;
  out.binding = 0;  // proto3 default: `binding` may be omitted (the protobuf codec omits 0)
  out.missing_key.clear();
  for (auto field_result : top) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) {
      return invalid(rule::kResponseJson, "not valid JSON");
    }
    if (seen_kind) {
      return invalid(rule::kResponseKind,
                     "a response must have exactly one top-level key (a second one follows "
                     "`captured`)");
    }
    seen_kind = true;
    od::object body;
    if (field.value().get_object().get(body) != simdjson::SUCCESS) {
      return invalid(rule::kFieldType, "`captured` must hold a JSON object");
    }
    for (auto inner_result : body) {
      od::field inner;
      std::string_view key;
      if (std::move(inner_result).get(inner) != simdjson::SUCCESS ||
          inner.unescaped_key().get(key) != simdjson::SUCCESS) {
        return invalid(rule::kResponseJson, "not valid JSON");
      }
      if (key == "binding") {
        if (inner.value().get_uint64().get(out.binding) != simdjson::SUCCESS) {
          return invalid(rule::kFieldType, "captured.binding must be a non-negative integer");
        }
        have_binding = true;
      } else if (key == "doc" || key == "doc_json") {
        od::object doc_object;
        if (inner.value().get_object().get(doc_object) != simdjson::SUCCESS) {
          return invalid(rule::kFieldType, "captured.doc must be a JSON object");
        }
        have_doc = true;
        if (have_binding && out.binding < key_pointers_.size()) {
          out.missing_key = find_missing_key(doc_object, key_pointers_[out.binding]);
        } else {
          doc_before_binding = true;
        }
        if (doc_object.raw_json().get(out.doc) != simdjson::SUCCESS) {
          return invalid(rule::kResponseJson, "captured.doc is not valid JSON");
        }
      } else {
        return invalid(rule::kUnknownField,
                       "unknown field `" + std::string(key) +
                           "` in captured (older runtimes reject unknown response fields)");
      }
    }
  }
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return invalid(rule::kResponseJson, "trailing content after the JSON object");
  }
  if (!have_doc) {
    return invalid(rule::kFieldType, "captured has no `doc`");
  }
  if (out.missing_key == "\x01" || (doc_before_binding && out.binding < key_pointers_.size())) {
    out.missing_key = find_missing_key_slow(out.doc, key_pointers_[out.binding]);
  }
  return Result::captured;
}

}  // namespace flow::local
