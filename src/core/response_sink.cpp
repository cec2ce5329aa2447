// SPDX-License-Identifier: Apache-2.0
#include "core/response_sink.hpp"

#include <flow/error.hpp>
#include <limits>

#include "core/proto_json.hpp"
#include "core/proto_wire.hpp"

namespace flow::detail {

ResponseSink::ResponseSink(OutputStream& out, Codec codec, google::protobuf::Message& message)
    : out_(out), codec_(codec), message_(message) {}

std::string& ResponseSink::json() {
  if (codec_ == Codec::json) {
    return out_.buffer();
  }
  line_.clear();
  return line_;
}

void ResponseSink::commit() {
  if (codec_ == Codec::json) {
    return;
  }
  std::string_view json = line_;
  if (!json.empty() && json.back() == '\n') {
    json.remove_suffix(1);
  }
  json_to_message(json, message_);
  const std::size_t size = message_.ByteSizeLong();
  if (size > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("a response of " + std::to_string(size) + " bytes does not fit in a frame");
  }
  std::string& buffer = out_.buffer();
  proto_wire::append_frame_length(buffer, static_cast<std::uint32_t>(size));
  const std::size_t at = buffer.size();
  buffer.resize(at + size);
  message_.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(buffer.data() + at));
}

}  // namespace flow::detail
