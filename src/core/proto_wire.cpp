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
  std::size_t inner = varint_size(doc_tag) + varint_size(doc_size) + doc_size;
  if (binding_field != 0 && binding != 0) {
    inner += varint_size(binding_tag) + varint_size(binding);
  }
  const std::size_t message = varint_size(outer_tag) + varint_size(inner) + inner;
  if (message > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("a document of " + std::to_string(doc_size) +
                " bytes does not fit in a protobuf frame (4 GiB at most)");
  }
  append_frame_length(out, static_cast<std::uint32_t>(message));
  append_varint(out, outer_tag);
  append_varint(out, inner);
  if (binding_field != 0 && binding != 0) {
    append_varint(out, binding_tag);
    append_varint(out, binding);
  }
  append_varint(out, doc_tag);
  append_varint(out, doc_size);
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
