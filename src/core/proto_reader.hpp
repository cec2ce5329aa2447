// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: a zero-copy reader of the protobuf wire format, for the hot requests (materialize
// load and store, derive read). libprotobuf's generated Clear() frees sub-messages, so parsing
// each of them into a reused Request would allocate per document; this reader hands out views
// into the frame instead and allocates nothing.
//
// Example:
//   flow::detail::proto_reader::Reader reader(store_bytes);
//   while (auto field = reader.next()) {
//     if (field->number == 6) doc = field->bytes;       // doc_json
//   }

#include <cstdint>
#include <optional>
#include <string_view>

namespace flow::detail::proto_reader {

struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire_type = 0;  ///< 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  std::uint64_t value = 0;      ///< varint, fixed64 or fixed32 fields
  std::string_view bytes;       ///< length-delimited fields
};

/// Reads the fields of one message in order. Throws flow::Error on malformed input: a
/// truncated varint or field, a length past the end, a group or an unknown wire type.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  std::optional<Field> next();

 private:
  std::uint64_t varint();
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

/// The field's varint value, checked to be a varint field that fits in 32 bits.
std::uint32_t as_u32(const Field& field, const char* what);
/// The field's bytes, checked to be a length-delimited field.
std::string_view as_bytes(const Field& field, const char* what);
/// The field's value as a bool, checked to be a varint field.
bool as_bool(const Field& field, const char* what);
/// The field's fixed64 value, checked to be a fixed64 field.
std::uint64_t as_fixed64(const Field& field, const char* what);

/// If `message` holds exactly one field whose number is one of `wanted` (runtime-internal
/// field 100 may ride along), that field's bytes and number; otherwise nullopt. Malformed
/// input gives nullopt too: the full parser then reports it.
std::optional<Field> single_field(std::string_view message,
                                  std::uint32_t wanted_a,
                                  std::uint32_t wanted_b = 0);

}  // namespace flow::detail::proto_reader
