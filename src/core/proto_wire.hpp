// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: hand encoding of the protobuf wire format, for the hot responses (captured,
// loaded, published) that are written once per document. Each writes straight into the
// output buffer: no message object and no allocation once the buffer has grown.
//
// Example: {"captured":{"binding":2,"doc":<doc>}} as a protobuf frame
//   proto_wire::append_document_frame(out, /*outer=*/6, /*binding field=*/1, 2,
//                                     /*doc field=*/2, {doc});

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace flow::detail::proto_wire {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

inline std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

/// Writes `value` as a varint at `at` (room for 10 bytes); returns the byte after it.
inline char* put_varint(char* at, std::uint64_t value) {
  while (value >= 0x80) {
    *at++ = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *at++ = static_cast<char>(value);
  return at;
}

inline void append_varint(std::string& out, std::uint64_t value) {
  char bytes[10];
  out.append(bytes, static_cast<std::size_t>(put_varint(bytes, value) - bytes));
}

inline void append_tag(std::string& out, std::uint32_t field, WireType type) {
  append_varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

/// The 4-byte little-endian frame length of the protobuf codec.
inline void append_frame_length(std::string& out, std::uint32_t length) {
  const char bytes[4] = {static_cast<char>(length & 0xff), static_cast<char>((length >> 8) & 0xff),
                         static_cast<char>((length >> 16) & 0xff),
                         static_cast<char>((length >> 24) & 0xff)};
  out.append(bytes, 4);
}

/// The bytes before a document in a frame holding `outer { binding_field: binding,
/// doc_field: <doc> }`, for a document of `doc_size` bytes. `binding_field` 0 means the
/// message has no binding (derive's Published); a zero binding is omitted (proto3 default).
/// Returns the frame's total size, header included.
std::size_t append_document_frame_head(std::string& out,
                                       std::uint32_t outer_field,
                                       std::uint32_t binding_field,
                                       std::uint32_t binding,
                                       std::uint32_t doc_field,
                                       std::size_t doc_size);

/// A whole frame with the document given in pieces (concatenated on the wire).
void append_document_frame(std::string& out,
                           std::uint32_t outer_field,
                           std::uint32_t binding_field,
                           std::uint32_t binding,
                           std::uint32_t doc_field,
                           std::initializer_list<std::string_view> doc_pieces);

}  // namespace flow::detail::proto_wire
