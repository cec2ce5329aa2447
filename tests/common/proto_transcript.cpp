// SPDX-License-Identifier: Apache-2.0
#include "proto_transcript.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <stdexcept>

namespace flow::testing {

namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;
using Json = nlohmann::ordered_json;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool raw_field(const FD& field) {
  return ends_with(field.name(), "_json") || ends_with(field.name(), "_json_vec");
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string unbase64(std::string_view text) {
  std::string out;
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      value = 62;
    } else if (c == '/' || c == '_') {
      value = 63;
    } else {
      continue;  // padding
    }
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xff);
    }
  }
  return out;
}

const FD* find_field(const pb::Descriptor& type, const std::string& key) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FD* field = type.field(i);
    if (field->json_name() == key || field->name() == key) {
      return field;
    }
  }
  return nullptr;
}

/// Raw JSON values of `*_json` fields become base64 of their text, as libprotobuf expects of
/// bytes fields. Keys naming no field are dropped, as a runtime's newer fields arrive as
/// unknown protobuf fields; at the top level (a request kind) that throws
/// std::invalid_argument instead, since it has no protobuf form.
void encode_raw_fields(Json& object, const pb::Descriptor& type, bool top_level) {
  if (!object.is_object()) {
    return;
  }
  std::vector<std::string> unknown;
  for (const auto& [key, value] : object.items()) {
    if (find_field(type, key) == nullptr) {
      if (top_level && key != "$internal") {
        throw std::invalid_argument("'" + key + "' is not a field of " + type.full_name());
      }
      unknown.push_back(key);
    }
  }
  for (const auto& key : unknown) {
    object.erase(key);
  }
  for (auto& [key, value] : object.items()) {
    const FD* field = find_field(type, key);
    if (field->is_map()) {
      const FD& value_field = *field->message_type()->map_value();
      if (!value.is_object()) {
        continue;
      }
      for (auto& [map_key, entry] : value.items()) {
        if (ends_with(field->name(), "_json_map")) {
          entry = base64(entry.dump());
        } else if (value_field.type() == FD::TYPE_MESSAGE) {
          encode_raw_fields(entry, *value_field.message_type(), false);
        }
      }
    } else if (raw_field(*field)) {
      if (field->is_repeated() && value.is_array()) {
        for (auto& element : value) {
          element = base64(element.dump());
        }
      } else {
        value = base64(value.dump());
      }
    } else if (field->type() == FD::TYPE_MESSAGE) {
      if (field->is_repeated() && value.is_array()) {
        for (auto& element : value) {
          encode_raw_fields(element, *field->message_type(), false);
        }
      } else {
        encode_raw_fields(value, *field->message_type(), false);
      }
    }
  }
}

/// The inverse of encode_raw_fields, on libprotobuf's JSON output.
void decode_raw_fields(Json& object, const pb::Descriptor& type) {
  if (!object.is_object()) {
    return;
  }
  for (auto& [key, value] : object.items()) {
    const FD* field = find_field(type, key);
    if (field == nullptr) {
      continue;
    }
    if (field->is_map()) {
      const FD& value_field = *field->message_type()->map_value();
      for (auto& [map_key, entry] : value.items()) {
        if (ends_with(field->name(), "_json_map")) {
          entry = Json::parse(unbase64(entry.get<std::string>()));
        } else if (value_field.type() == FD::TYPE_MESSAGE) {
          decode_raw_fields(entry, *value_field.message_type());
        }
      }
    } else if (raw_field(*field)) {
      if (field->is_repeated()) {
        for (auto& element : value) {
          element = Json::parse(unbase64(element.get<std::string>()));
        }
      } else {
        value = Json::parse(unbase64(value.get<std::string>()));
      }
    } else if (field->type() == FD::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (auto& element : value) {
          decode_raw_fields(element, *field->message_type());
        }
      } else {
        decode_raw_fields(value, *field->message_type());
      }
    }
  }
}

/// Parses one JSON line into `message`; false (with `why`) if it has no protobuf form.
bool line_to_message(std::string_view line, pb::Message& message, std::string& why) {
  Json json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    why = "line is not a JSON object: " + std::string(line.substr(0, 60));
    return false;
  }
  try {
    encode_raw_fields(json, *message.GetDescriptor(), true);
  } catch (const std::invalid_argument& e) {
    why = e.what();
    return false;
  }
  message.Clear();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = pb::util::JsonStringToMessage(json.dump(), &message, options);
  if (!status.ok()) {
    why = "libprotobuf rejects " + std::string(line.substr(0, 60)) + ": " + status.ToString();
    return false;
  }
  return true;
}

nlohmann::json message_to_normalized_json(const pb::Message& message) {
  std::string text;
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!pb::util::MessageToJsonString(message, &text, options).ok()) {
    throw std::runtime_error("libprotobuf could not print a message as JSON");
  }
  Json json = Json::parse(text);
  decode_raw_fields(json, *message.GetDescriptor());
  return nlohmann::json::parse(json.dump());
}

std::vector<std::string_view> split_lines(std::string_view text, bool& truncated) {
  std::vector<std::string_view> lines;
  truncated = false;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
      truncated = true;
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  return lines;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

std::string frame(const google::protobuf::Message& message, std::string_view unknown_fields) {
  const std::string body = message.SerializeAsString() + std::string(unknown_fields);
  const auto size = static_cast<std::uint32_t>(body.size());
  std::string out;
  for (int shift = 0; shift < 32; shift += 8) {
    out += static_cast<char>((size >> shift) & 0xff);
  }
  return out + body;
}

std::optional<std::string> to_frames(std::string_view jsonl,
                                     google::protobuf::Message& prototype,
                                     std::string& why) {
  bool truncated = false;
  const auto lines = split_lines(jsonl, truncated);
  std::unique_ptr<pb::Message> message(prototype.New());
  std::string frames;
  for (const auto line : lines) {
    if (is_blank(line)) {
      continue;
    }
    if (!line_to_message(line, *message, why)) {
      return std::nullopt;
    }
    // Every request also carries the runtime-internal field 100 (`$internal`), which the
    // SDK's messages leave out: it must be skipped as an unknown field.
    frames += frame(*message,
                    "\xa2\x06\x03"
                    "abc");
  }
  return frames;
}

std::vector<nlohmann::json> frames_to_json(std::string_view bytes,
                                           google::protobuf::Message& prototype) {
  std::unique_ptr<pb::Message> message(prototype.New());
  std::vector<nlohmann::json> result;
  while (!bytes.empty()) {
    if (bytes.size() < 4) {
      result.emplace_back("<partial frame: " + std::to_string(bytes.size()) + " bytes>");
      break;
    }
    std::uint32_t size = 0;
    for (int i = 3; i >= 0; --i) {
      size = (size << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    }
    if (bytes.size() - 4 < size) {
      result.emplace_back("<partial frame: " + std::to_string(bytes.size()) + " bytes>");
      break;
    }
    if (!message->ParseFromArray(bytes.data() + 4, static_cast<int>(size))) {
      result.emplace_back("<invalid frame>");
    } else {
      result.push_back(message_to_normalized_json(*message));
    }
    bytes.remove_prefix(4 + size);
  }
  return result;
}

std::vector<nlohmann::json> lines_to_normalized_json(std::string_view jsonl,
                                                     google::protobuf::Message& prototype) {
  std::unique_ptr<pb::Message> message(prototype.New());
  bool truncated = false;
  std::vector<nlohmann::json> result;
  for (const auto line : split_lines(jsonl, truncated)) {
    std::string why;
    if (!line_to_message(line, *message, why)) {
      throw std::runtime_error("expected response has no protobuf form: " + why);
    }
    result.push_back(message_to_normalized_json(*message));
  }
  return result;
}

}  // namespace flow::testing
