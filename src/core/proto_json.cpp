// SPDX-License-Identifier: Apache-2.0
#include "core/proto_json.hpp"

#include <google/protobuf/descriptor.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <flow/error.hpp>
#include <flow/json_writer.hpp>
#include <vector>

#include "core/base64.hpp"

namespace flow::detail {

namespace {

namespace pb = google::protobuf;
namespace od = simdjson::ondemand;
using FD = pb::FieldDescriptor;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_text(const FD& field) {
  return field.type() == FD::TYPE_STRING || field.type() == FD::TYPE_BYTES;
}

/// A field holding JSON text, embedded raw (PROTOCOL.md §1.7): `*_json`, or a list of them
/// (`*_json_vec`).
bool is_raw_json(const FD& field) {
  return is_text(field) &&
         (ends_with(field.name(), "_json") || ends_with(field.name(), "_json_vec"));
}

// ---- protobuf → JSON ------------------------------------------------------------------------

template <class Integer>
void append_integer(std::string& out, Integer value, bool quoted) {
  char digits[24];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
  if (quoted) {
    out.push_back('"');
  }
  out.append(digits, end);
  if (quoted) {
    out.push_back('"');
  }
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append(R"("NaN")");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? R"("Infinity")" : R"("-Infinity")");
  } else {
    char digits[32];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
    out.append(digits, end);
  }
}

void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  JsonWriter::append_escaped(out, text);
  out.push_back('"');
}

void append_message(const pb::Message& message, std::string& out);

/// One value of `field` (element `index` if repeated, -1 if singular).
void append_value(
    const pb::Message& message, const FD& field, int index, bool raw, std::string& out) {
  const pb::Reflection& r = *message.GetReflection();
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case FD::CPPTYPE_INT32:
      append_integer(
          out, repeated ? r.GetRepeatedInt32(message, &field, index) : r.GetInt32(message, &field),
          false);
      return;
    case FD::CPPTYPE_UINT32:
      append_integer(
          out,
          repeated ? r.GetRepeatedUInt32(message, &field, index) : r.GetUInt32(message, &field),
          false);
      return;
    case FD::CPPTYPE_INT64:
      append_integer(
          out, repeated ? r.GetRepeatedInt64(message, &field, index) : r.GetInt64(message, &field),
          true);
      return;
    case FD::CPPTYPE_UINT64:
      append_integer(
          out,
          repeated ? r.GetRepeatedUInt64(message, &field, index) : r.GetUInt64(message, &field),
          true);
      return;
    case FD::CPPTYPE_DOUBLE:
      append_double(out, repeated ? r.GetRepeatedDouble(message, &field, index)
                                  : r.GetDouble(message, &field));
      return;
    case FD::CPPTYPE_FLOAT:
      append_double(
          out, repeated ? r.GetRepeatedFloat(message, &field, index) : r.GetFloat(message, &field));
      return;
    case FD::CPPTYPE_BOOL:
      out.append((repeated ? r.GetRepeatedBool(message, &field, index) : r.GetBool(message, &field))
                     ? "true"
                     : "false");
      return;
    case FD::CPPTYPE_ENUM: {
      const int number = repeated ? r.GetRepeatedEnumValue(message, &field, index)
                                  : r.GetEnumValue(message, &field);
      const pb::EnumValueDescriptor* value = field.enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        append_string(out, value->name());
      } else {
        append_integer(out, number, false);  // a value newer than our .proto
      }
      return;
    }
    case FD::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text = repeated
                                    ? r.GetRepeatedStringReference(message, &field, index, &scratch)
                                    : r.GetStringReference(message, &field, &scratch);
      if (raw) {
        out.append(text.empty() ? std::string_view("null") : std::string_view(text));
      } else if (field.type() == FD::TYPE_BYTES) {
        out.push_back('"');
        base64_encode(out, text);
        out.push_back('"');
      } else {
        append_string(out, text);
      }
      return;
    }
    case FD::CPPTYPE_MESSAGE:
      append_message(
          repeated ? r.GetRepeatedMessage(message, &field, index) : r.GetMessage(message, &field),
          out);
      return;
  }
}

void append_map(const pb::Message& message, const FD& field, std::string& out) {
  const pb::Reflection& r = *message.GetReflection();
  const FD& key_field = *field.message_type()->map_key();
  const FD& value_field = *field.message_type()->map_value();
  const bool raw_values = ends_with(field.name(), "_json_map");
  out.push_back('{');
  const int size = r.FieldSize(message, &field);
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = r.GetRepeatedMessage(message, &field, i);
    if (i > 0) {
      out.push_back(',');
    }
    if (key_field.cpp_type() == FD::CPPTYPE_STRING) {
      std::string scratch;
      append_string(out, entry.GetReflection()->GetStringReference(entry, &key_field, &scratch));
    } else {
      std::string key;
      append_value(entry, key_field, -1, false, key);
      if (key.front() != '"') {
        key = '"' + key + '"';
      }
      out.append(key);
    }
    out.push_back(':');
    append_value(entry, value_field, -1, raw_values && is_text(value_field), out);
  }
  out.push_back('}');
}

void append_message(const pb::Message& message, std::string& out) {
  std::vector<const FD*> fields;
  message.GetReflection()->ListFields(message, &fields);  // set fields, by number
  out.push_back('{');
  bool first = true;
  for (const FD* field : fields) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    append_string(out, field->json_name());
    out.push_back(':');
    if (field->is_map()) {
      append_map(message, *field, out);
    } else if (field->is_repeated()) {
      out.push_back('[');
      const int size = message.GetReflection()->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        if (i > 0) {
          out.push_back(',');
        }
        append_value(message, *field, i, is_raw_json(*field), out);
      }
      out.push_back(']');
    } else {
      append_value(message, *field, -1, is_raw_json(*field), out);
    }
  }
  out.push_back('}');
}

// ---- JSON → protobuf ------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error("cannot encode response field '" + path + "' as protobuf: " + what);
}

const FD* find_field(const pb::Descriptor& type, std::string_view key) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FD* field = type.field(i);
    if (field->json_name() == key || field->name() == key) {
      return field;
    }
  }
  return nullptr;
}

std::int64_t read_int(od::value value, const std::string& path) {
  std::int64_t result = 0;
  od::json_type type{};
  if (value.type().get(type) != simdjson::SUCCESS ||
      (type == od::json_type::string ? value.get_int64_in_string().get(result)
                                     : value.get_int64().get(result)) != simdjson::SUCCESS) {
    fail(path, "expected an integer");
  }
  return result;
}

std::uint64_t read_uint(od::value value, const std::string& path) {
  std::uint64_t result = 0;
  od::json_type type{};
  if (value.type().get(type) != simdjson::SUCCESS ||
      (type == od::json_type::string ? value.get_uint64_in_string().get(result)
                                     : value.get_uint64().get(result)) != simdjson::SUCCESS) {
    fail(path, "expected an unsigned integer");
  }
  return result;
}

std::string_view read_string(od::value value, const std::string& path) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    fail(path, "expected a string");
  }
  return text;
}

void fill_message(od::object object, pb::Message& message, const std::string& path);

/// Sets (or adds, for a repeated field) one value of `field` from `value`.
void set_value(
    od::value value, pb::Message& message, const FD& field, bool raw, const std::string& path) {
  const pb::Reflection& r = *message.GetReflection();
  const bool add = field.is_repeated();
  switch (field.cpp_type()) {
    case FD::CPPTYPE_INT32: {
      const std::int64_t v = read_int(value, path);
      if (v < INT32_MIN || v > INT32_MAX) {
        fail(path, "out of range for int32");
      }
      add ? r.AddInt32(&message, &field, static_cast<std::int32_t>(v))
          : r.SetInt32(&message, &field, static_cast<std::int32_t>(v));
      return;
    }
    case FD::CPPTYPE_UINT32: {
      const std::uint64_t v = read_uint(value, path);
      if (v > UINT32_MAX) {
        fail(path, "out of range for uint32");
      }
      add ? r.AddUInt32(&message, &field, static_cast<std::uint32_t>(v))
          : r.SetUInt32(&message, &field, static_cast<std::uint32_t>(v));
      return;
    }
    case FD::CPPTYPE_INT64:
      add ? r.AddInt64(&message, &field, read_int(value, path))
          : r.SetInt64(&message, &field, read_int(value, path));
      return;
    case FD::CPPTYPE_UINT64:
      add ? r.AddUInt64(&message, &field, read_uint(value, path))
          : r.SetUInt64(&message, &field, read_uint(value, path));
      return;
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT: {
      double v = 0;
      if (value.get_double().get(v) != simdjson::SUCCESS) {
        fail(path, "expected a number");
      }
      if (field.cpp_type() == FD::CPPTYPE_DOUBLE) {
        add ? r.AddDouble(&message, &field, v) : r.SetDouble(&message, &field, v);
      } else {
        add ? r.AddFloat(&message, &field, static_cast<float>(v))
            : r.SetFloat(&message, &field, static_cast<float>(v));
      }
      return;
    }
    case FD::CPPTYPE_BOOL: {
      bool v = false;
      if (value.get_bool().get(v) != simdjson::SUCCESS) {
        fail(path, "expected a boolean");
      }
      add ? r.AddBool(&message, &field, v) : r.SetBool(&message, &field, v);
      return;
    }
    case FD::CPPTYPE_ENUM: {
      od::json_type type{};
      int number = 0;
      if (value.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
        number = static_cast<int>(read_int(value, path));
      } else {
        const std::string name(read_string(value, path));
        const pb::EnumValueDescriptor* found = field.enum_type()->FindValueByName(name);
        if (found == nullptr) {
          fail(path, "'" + name + "' is not a value of " + field.enum_type()->full_name());
        }
        number = found->number();
      }
      add ? r.AddEnumValue(&message, &field, number) : r.SetEnumValue(&message, &field, number);
      return;
    }
    case FD::CPPTYPE_STRING: {
      std::string text;
      if (raw) {
        std::string_view json;
        if (simdjson::to_json_string(value).get(json) != simdjson::SUCCESS) {
          fail(path, "malformed JSON value");
        }
        // The raw slice may keep the whitespace that follows a value.
        while (!json.empty() && (json.back() == ' ' || json.back() == '\n' || json.back() == '\r' ||
                                 json.back() == '\t')) {
          json.remove_suffix(1);
        }
        text = json;
      } else if (field.type() == FD::TYPE_BYTES) {
        if (!base64_decode(text, read_string(value, path))) {
          fail(path, "expected base64");
        }
      } else {
        text = read_string(value, path);
      }
      add ? r.AddString(&message, &field, std::move(text))
          : r.SetString(&message, &field, std::move(text));
      return;
    }
    case FD::CPPTYPE_MESSAGE: {
      od::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) {
        fail(path, "expected an object");
      }
      pb::Message* child =
          add ? r.AddMessage(&message, &field) : r.MutableMessage(&message, &field);
      fill_message(object, *child, path);
      return;
    }
  }
}

void fill_map(od::value value, pb::Message& message, const FD& field, const std::string& path) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    fail(path, "expected an object (a map)");
  }
  const FD& key_field = *field.message_type()->map_key();
  const FD& value_field = *field.message_type()->map_value();
  const bool raw_values = ends_with(field.name(), "_json_map");
  for (auto member : object) {
    od::field entry_json;
    std::string_view key;
    if (std::move(member).get(entry_json) != simdjson::SUCCESS ||
        entry_json.unescaped_key().get(key) != simdjson::SUCCESS) {
      fail(path, "malformed object");
    }
    const std::string entry_path = path + "." + std::string(key);
    pb::Message* entry = message.GetReflection()->AddMessage(&message, &field);
    if (key_field.cpp_type() != FD::CPPTYPE_STRING) {
      fail(entry_path, "only string map keys are supported");
    }
    entry->GetReflection()->SetString(entry, &key_field, std::string(key));
    set_value(entry_json.value(), *entry, value_field, raw_values && is_text(value_field),
              entry_path);
  }
}

void fill_message(od::object object, pb::Message& message, const std::string& path) {
  const pb::Descriptor& type = *message.GetDescriptor();
  for (auto member : object) {
    od::field field_json;
    std::string_view key;
    if (std::move(member).get(field_json) != simdjson::SUCCESS ||
        field_json.unescaped_key().get(key) != simdjson::SUCCESS) {
      fail(path, "malformed object");
    }
    const std::string field_path = path.empty() ? std::string(key) : path + "." + std::string(key);
    const FD* field = find_field(type, key);
    if (field == nullptr) {
      fail(field_path, type.full_name() + " has no such field");
    }
    od::value value = field_json.value();
    bool is_null = false;
    if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null && !is_raw_json(*field)) {
      continue;  // null is a field's default
    }
    if (field->is_map()) {
      fill_map(value, message, *field, field_path);
    } else if (field->is_repeated()) {
      od::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) {
        fail(field_path, "expected an array");
      }
      for (auto element : array) {
        od::value element_value;
        if (element.get(element_value) != simdjson::SUCCESS) {
          fail(field_path, "malformed array");
        }
        set_value(element_value, message, *field, is_raw_json(*field), field_path + "[]");
      }
    } else {
      set_value(value, message, *field, is_raw_json(*field), field_path);
    }
  }
}

}  // namespace

void message_to_json(const google::protobuf::Message& message, std::string& out) {
  append_message(message, out);
}

void json_to_message(std::string_view json, google::protobuf::Message& message) {
  message.Clear();
  const simdjson::padded_string padded(json);
  thread_local od::parser parser;  // reused: checkpoints come through here often
  od::document document;
  od::object object;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS ||
      document.get_object().get(object) != simdjson::SUCCESS) {
    throw Error("cannot encode a response as protobuf: it is not a JSON object");
  }
  try {
    fill_message(object, message, "");
  } catch (const simdjson::simdjson_error& e) {
    throw Error(std::string("cannot encode a response as protobuf: malformed JSON (") + e.what() +
                ")");
  }
  // current_location() succeeds only while tokens remain after the object.
  if (const char* rest = nullptr; document.current_location().get(rest) == simdjson::SUCCESS) {
    throw Error("cannot encode a response as protobuf: trailing content after the JSON object");
  }
}

}  // namespace flow::detail
