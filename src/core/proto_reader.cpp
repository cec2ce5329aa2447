// SPDX-License-Identifier: Apache-2.0
#include "core/proto_reader.hpp"

#include <cstring>
#include <flow/error.hpp>
#include <string>

namespace flow::detail::proto_reader {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error("malformed protobuf message: " + what);
}

[[noreturn]] void wrong_type(const Field& field, const char* what) {
  malformed(std::string(what) + " (field " + std::to_string(field.number) + ") has wire type " +
            std::to_string(field.wire_type));
}

constexpr std::uint32_t kInternalField = 100;

}  // namespace

std::uint64_t Reader::varint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= bytes_.size()) {
      malformed("truncated varint");
    }
    const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) {
      return value;
    }
  }
  malformed("varint longer than 10 bytes");
}

std::optional<Field> Reader::next() {
  if (pos_ >= bytes_.size()) {
    return std::nullopt;
  }
  const std::uint64_t tag = varint();
  Field field;
  field.number = static_cast<std::uint32_t>(tag >> 3);
  field.wire_type = static_cast<std::uint32_t>(tag & 7);
  if (field.number == 0 || (tag >> 3) > 0x1fffffff) {
    malformed("invalid field number");
  }
  switch (field.wire_type) {
    case 0:
      field.value = varint();
      return field;
    case 1:
    case 5: {
      const std::size_t size = field.wire_type == 1 ? 8 : 4;
      if (bytes_.size() - pos_ < size) {
        malformed("truncated fixed-width field");
      }
      std::uint64_t value = 0;
      for (std::size_t i = 0; i < size; ++i) {
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[pos_ + i]))
                 << (8 * i);
      }
      pos_ += size;
      field.value = value;
      return field;
    }
    case 2: {
      const std::uint64_t size = varint();
      if (size > bytes_.size() - pos_) {
        malformed("a length-delimited field runs past the end of its message");
      }
      field.bytes = bytes_.substr(pos_, static_cast<std::size_t>(size));
      pos_ += static_cast<std::size_t>(size);
      return field;
    }
    default:
      malformed("unsupported wire type " + std::to_string(field.wire_type));
  }
}

std::uint32_t as_u32(const Field& field, const char* what) {
  if (field.wire_type != 0) {
    wrong_type(field, what);
  }
  if (field.value > UINT32_MAX) {
    malformed(std::string(what) + " is out of range for uint32");
  }
  return static_cast<std::uint32_t>(field.value);
}

std::string_view as_bytes(const Field& field, const char* what) {
  if (field.wire_type != 2) {
    wrong_type(field, what);
  }
  return field.bytes;
}

bool as_bool(const Field& field, const char* what) {
  if (field.wire_type != 0) {
    wrong_type(field, what);
  }
  return field.value != 0;
}

std::uint64_t as_fixed64(const Field& field, const char* what) {
  if (field.wire_type != 1) {
    wrong_type(field, what);
  }
  return field.value;
}

std::optional<Field> single_field(std::string_view message,
                                  std::uint32_t wanted_a,
                                  std::uint32_t wanted_b) {
  std::optional<Field> found;
  try {
    Reader reader(message);
    while (auto field = reader.next()) {
      if (field->number == kInternalField) {
        continue;
      }
      const bool wanted = field->number == wanted_a || (wanted_b != 0 && field->number == wanted_b);
      if (!wanted || field->wire_type != 2 || found) {
        return std::nullopt;
      }
      found = field;
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  return found;
}

}  // namespace flow::detail::proto_reader
