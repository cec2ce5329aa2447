// SPDX-License-Identifier: Apache-2.0
#include "core/request_decoder.hpp"

#include <array>
#include <cstdint>
#include <flow/error.hpp>
#include <flow/json_util.hpp>
#include <string>

#include "core/base64.hpp"

namespace flow::detail {

namespace {

[[noreturn]] void fail(std::string_view field,
                       std::string_view expected,
                       simdjson::error_code error) {
  std::string message = "field '" + std::string(field) + "': expected " + std::string(expected);
  if (error != simdjson::SUCCESS) {
    message += " (" + std::string(simdjson::error_message(error)) + ")";
  }
  throw DecodeError(message);
}

/// Like fail(), quoting the offending token so malformed JSON and wrong types read clearly.
[[noreturn]] void fail_at(od::value& value, std::string_view field, std::string_view expected) {
  throw DecodeError("field '" + std::string(field) + "': expected " + std::string(expected) +
                    ", found " + token_excerpt(value));
}

}  // namespace

namespace {
/// The document the current thread decodes (DocumentScope); empty when none is named.
thread_local std::string_view current_document;
}  // namespace

DocumentScope::DocumentScope(std::string_view text) noexcept : previous_(current_document) {
  current_document = text;
}

DocumentScope::~DocumentScope() {
  current_document = previous_;
}

std::string token_excerpt(od::value& value) {
  constexpr std::size_t kMax = 40;
  // After some malformed input simdjson hands out a value positioned past the last token:
  // raw_json_token() then starts at the end of the document with a garbage length (a fuzz
  // finding: reading it ran gigabytes past the line). So trust neither: cut the token to
  // the current document, and never read more than kMax + 1 bytes of it.
  std::string_view token = value.raw_json_token();
  if (!current_document.empty()) {
    const auto begin = reinterpret_cast<std::uintptr_t>(current_document.data());
    const auto end = begin + current_document.size();
    const auto start = reinterpret_cast<std::uintptr_t>(token.data());
    if (start < begin || start >= end) {
      return "the end of the input";
    }
    token = token.substr(0, end - start);
  }
  token = token.substr(0, kMax + 1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return "`" + std::string(token.substr(0, kMax)) + (token.size() > kMax ? "…`" : "`");
}

od::object get_object(od::value value, std::string_view field) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    fail_at(value, field, "an object");
  }
  return object;
}

void for_each_field(od::object object,
                    const std::function<void(std::string_view key, od::value value)>& fn) {
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field); error != simdjson::SUCCESS) {
      throw DecodeError(std::string("malformed object: ") + simdjson::error_message(error));
    }
    std::string_view key;
    if (auto error = field.unescaped_key().get(key); error != simdjson::SUCCESS) {
      throw DecodeError(std::string("malformed object key: ") + simdjson::error_message(error));
    }
    if (key == "$internal") {
      continue;  // runtime-internal; On-Demand skips the unread value
    }
    fn(key, field.value());
  }
}

std::string get_string(od::value value, std::string_view field) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    fail_at(value, field, "a string");
  }
  return std::string(text);
}

std::string_view get_base64_text(od::value value, std::string_view field) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    fail_at(value, field, "a base64 string");
  }
  return text;
}

std::string get_enum(od::value value, std::string_view field) {
  od::json_type type{};
  if (value.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
    return std::to_string(get_i64(value, field));
  }
  return get_string(value, field);
}

bool get_bool(od::value value, std::string_view field) {
  bool result = false;
  if (value.get_bool().get(result) != simdjson::SUCCESS) {
    fail_at(value, field, "a boolean");
  }
  return result;
}

std::uint64_t get_u64(od::value value, std::string_view field) {
  od::json_type type{};
  if (auto error = value.type().get(type); error != simdjson::SUCCESS) {
    fail(field, "an unsigned integer", error);
  }
  std::uint64_t result = 0;
  const auto error = type == od::json_type::string ? value.get_uint64_in_string().get(result)
                                                   : value.get_uint64().get(result);
  if (error != simdjson::SUCCESS) {
    fail_at(value, field, "an unsigned integer (number or decimal string)");
  }
  return result;
}

std::int64_t get_i64(od::value value, std::string_view field) {
  od::json_type type{};
  if (auto error = value.type().get(type); error != simdjson::SUCCESS) {
    fail(field, "an integer", error);
  }
  std::int64_t result = 0;
  const auto error = type == od::json_type::string ? value.get_int64_in_string().get(result)
                                                   : value.get_int64().get(result);
  if (error != simdjson::SUCCESS) {
    fail_at(value, field, "an integer (number or decimal string)");
  }
  return result;
}

std::uint32_t get_u32(od::value value, std::string_view field) {
  const std::uint64_t wide = get_u64(value, field);
  if (wide > 0xffffffffULL) {
    throw DecodeError("field '" + std::string(field) + "': " + std::to_string(wide) +
                      " does not fit in 32 bits");
  }
  return static_cast<std::uint32_t>(wide);
}

std::vector<std::string> get_string_array(od::value value, std::string_view field) {
  od::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    fail_at(value, field, "an array of strings");
  }
  std::vector<std::string> result;
  for (auto element : array) {
    std::string_view text;
    if (auto error = element.get_string().get(text); error != simdjson::SUCCESS) {
      fail(field, "an array of strings", error);
    }
    result.emplace_back(text);
  }
  return result;
}

std::string_view get_raw(od::value value, std::string_view field) {
  std::string_view raw;
  if (simdjson::to_json_string(value).get(raw) != simdjson::SUCCESS) {
    fail_at(value, field, "a JSON value");
  }
  return raw;
}

nlohmann::json get_json(od::value value, std::string_view field) {
  const std::string_view raw = get_raw(value, field);
  if (!json::nesting_within(raw)) {
    throw DecodeError("field '" + std::string(field) + "': nested more than " +
                      std::to_string(json::kMaxNesting) + " levels deep");
  }
  auto parsed = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    fail(field, "a JSON value", simdjson::SUCCESS);
  }
  return parsed;
}

std::string get_bytes(od::value value, std::string_view field) {
  std::string_view text;
  if (auto error = value.get_string().get(text); error != simdjson::SUCCESS) {
    fail(field, "a base64 string", error);
  }
  std::string out;
  if (!base64_decode(out, text)) {
    fail(field, "a base64 string", simdjson::SUCCESS);
  }
  return out;
}

RangeSpec decode_range(od::value value) {
  od::object object = get_object(value, "range");
  RangeSpec range;
  for_each_field(object, [&](std::string_view key, od::value v) {
    if (key_is(key, "keyBegin", "key_begin")) {
      range.key_begin = get_u32(v, key);
    } else if (key_is(key, "keyEnd", "key_end")) {
      range.key_end = get_u32(v, key);
    } else if (key_is(key, "rClockBegin", "r_clock_begin")) {
      range.r_clock_begin = get_u32(v, key);
    } else if (key_is(key, "rClockEnd", "r_clock_end")) {
      range.r_clock_end = get_u32(v, key);
    }
  });
  return range;
}

namespace {

Projection decode_projection(od::value value) {
  od::object object = get_object(value, "projections[]");
  Projection projection;
  for_each_field(object, [&](std::string_view key, od::value v) {
    if (key == "ptr") {
      projection.ptr = get_string(v, key);
    } else if (key == "field") {
      projection.field = get_string(v, key);
    } else if (key == "explicit") {
      projection.explicit_ = get_bool(v, key);
    } else if (key_is(key, "isPartitionKey", "is_partition_key")) {
      projection.is_partition_key = get_bool(v, key);
    } else if (key_is(key, "isPrimaryKey", "is_primary_key")) {
      projection.is_primary_key = get_bool(v, key);
    } else if (key == "inference") {
      projection.inference = get_json(v, key);
    }
  });
  return projection;
}

}  // namespace

CollectionSpec decode_collection(od::value value) {
  od::object object = get_object(value, "collection");
  CollectionSpec collection;
  for_each_field(object, [&](std::string_view key, od::value v) {
    if (key == "name") {
      collection.name = get_string(v, key);
    } else if (key_is(key, "writeSchema", "write_schema_json")) {
      collection.write_schema = get_json(v, key);
    } else if (key_is(key, "readSchema", "read_schema_json")) {
      collection.read_schema = get_json(v, key);
    } else if (key == "key") {
      collection.key = get_string_array(v, key);
    } else if (key_is(key, "uuidPtr", "uuid_ptr")) {
      collection.uuid_ptr = get_string(v, key);
    } else if (key_is(key, "partitionFields", "partition_fields")) {
      collection.partition_fields = get_string_array(v, key);
    } else if (key == "projections") {
      od::array array;
      if (v.get_array().get(array) != simdjson::SUCCESS) {
        fail_at(v, key, "an array");
      }
      for (auto element : array) {
        od::value element_value;
        if (auto error = element.get(element_value); error != simdjson::SUCCESS) {
          fail(key, "an array of projections", error);
        }
        collection.projections.push_back(decode_projection(element_value));
      }
    }
  });
  return collection;
}

ConnectorState decode_connector_state(od::value value) {
  od::object object = get_object(value, "state");
  ConnectorState state;
  for_each_field(object, [&](std::string_view key, od::value v) {
    if (key_is(key, "updated", "updated_json")) {
      state.updated = get_json(v, key);
    } else if (key_is(key, "mergePatch", "merge_patch")) {
      state.merge_patch = get_bool(v, key);
    }
  });
  return state;
}

void RequestParser::parse(const Line& line,
                          const std::function<void(std::string_view kind, od::value body)>& fn) {
  const std::string truncated =
      line.terminated ? "" : " (the final line ended without a newline: truncated?)";
  const DocumentScope scope(line.text);
  od::document doc;
  if (auto error = parser_.iterate(line.text.data(), line.text.size(), line.capacity).get(doc);
      error != simdjson::SUCCESS) {
    throw ProtocolError(
        line.number, std::string("malformed JSON: ") + simdjson::error_message(error) + truncated);
  }
  try {
    od::object object;
    if (auto error = doc.get_object().get(object); error != simdjson::SUCCESS) {
      const auto first = line.text.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && line.text[first] == '{') {
        throw ProtocolError(line.number, std::string("malformed JSON: ") +
                                             simdjson::error_message(error) + truncated);
      }
      throw DecodeError("a request must be a JSON object");
    }
    std::string kind;
    for_each_field(object, [&](std::string_view key, od::value body) {
      if (!kind.empty()) {
        throw DecodeError("request has more than one message: '" + kind + "' and '" +
                          std::string(key) + "'");
      }
      kind = key;
      fn(key, body);
    });
    if (kind.empty()) {
      throw DecodeError("request has no message (an empty object)");
    }
    // current_location() succeeds only while tokens remain after the object.
    if (const char* rest = nullptr; doc.current_location().get(rest) == simdjson::SUCCESS) {
      throw DecodeError("unexpected content after the request object");
    }
  } catch (const DecodeError& e) {
    throw ProtocolError(line.number, std::string("malformed request: ") + e.what() + truncated);
  } catch (const simdjson::simdjson_error& e) {
    throw ProtocolError(line.number, std::string("malformed JSON: ") + e.what() + truncated);
  }
}

}  // namespace flow::detail
