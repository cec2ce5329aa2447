// SPDX-License-Identifier: Apache-2.0
#include "core/proto_wire.hpp"

#include <flow/error.hpp>
#include <limits>

namespace flow::detail::proto_wire {

std::size_t append_document_frame_head(std::string& out,
                                       std::uint32_t outer_field,
                                       std::uint32_t binding_field,
                                       std::uint32_t binding,
                                       std::uint32_t doc_field,
                                       std::size_t doc_size) {
  const std::uint64_t binding_tag = (static_cast<std::uint64_t>(binding_field) << 3) | kVarint;
  const std::uint64_t doc_tag = (static_cast<std::uint64_t>(doc_field) << 3) | kLengthDelimited;
  const std::uint64_t outer_tag = (static_cast<std::uint64_t>(outer_field) << 3) | kLengthDelimited;
  const bool with_binding = binding_field != 0 && binding != 0;
  std::size_t inner = varint_size(doc_tag) + varint_size(doc_size) + doc_size;
  if (with_binding) {
    inner += varint_size(binding_tag) + varint_size(binding);
  }
  const std::size_t message = varint_size(outer_tag) + varint_size(inner) + inner;
  if (message > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("a document of " + std::to_string(doc_size) +
                " bytes does not fit in a protobuf frame (4 GiB at most)");
  }
  // At most 4 + 6 varints of 10 bytes: assembled here, appended at once.
  char head[64];
  head[0] = static_cast<char>(message & 0xff);
  head[1] = static_cast<char>((message >> 8) & 0xff);
  head[2] = static_cast<char>((message >> 16) & 0xff);
  head[3] = static_cast<char>((message >> 24) & 0xff);
  char* at = put_varint(head + 4, outer_tag);
  at = put_varint(at, inner);
  if (with_binding) {
    at = put_varint(at, binding_tag);
    at = put_varint(at, binding);
  }
  at = put_varint(at, doc_tag);
  at = put_varint(at, doc_size);
  out.append(head, static_cast<std::size_t>(at - head));
  return 4 + message;
}

void append_document_frame(std::string& out,
                           std::uint32_t outer_field,
                           std::uint32_t binding_field,
                           std::uint32_t binding,
                           std::uint32_t doc_field,
                           std::initializer_list<std::string_view> doc_pieces) {
  std::size_t size = 0;
  for (const auto piece : doc_pieces) {
    size += piece.size();
  }
  append_document_frame_head(out, outer_field, binding_field, binding, doc_field, size);
  for (const auto piece : doc_pieces) {
    out.append(piece);
  }
}

}  // namespace flow::detail::proto_wire
