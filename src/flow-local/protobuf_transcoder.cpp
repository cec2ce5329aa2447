// SPDX-License-Identifier: Apache-2.0
#include "flow-local/protobuf_transcoder.hpp"

#include <capture.pb.h>
#include <derive.pb.h>
#include <materialize.pb.h>

#include <cstdint>
#include <flow/error.hpp>

#include "core/proto_json.hpp"
#include "core/proto_wire.hpp"

namespace flow::local {
namespace {

/// The per-document response of each protocol, decoded by hand (no message object): its
/// field in Response, its JSON name, and its inner binding and doc fields (0: none).
struct HotResponse {
  std::uint32_t field;
  std::string_view kind;
  std::uint32_t binding_field;
  std::uint32_t doc_field;
};

HotResponse hot_response(Protocol protocol) {
  switch (protocol) {
    case Protocol::capture:
      return {.field = 6, .kind = "captured", .binding_field = 1, .doc_field = 2};
    case Protocol::materialize:
      return {.field = 5, .kind = "loaded", .binding_field = 1, .doc_field = 2};
    case Protocol::derive:
      return {.field = 4, .kind = "published", .binding_field = 0, .doc_field = 1};
  }
  return {};
}

bool read_varint(std::string_view& in, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

/// A length-delimited field's bytes; false when the length overruns `in`.
bool read_bytes(std::string_view& in, std::string_view& bytes) {
  std::uint64_t length = 0;
  if (!read_varint(in, length) || length > in.size()) {
    return false;
  }
  bytes = in.substr(0, static_cast<std::size_t>(length));
  in.remove_prefix(static_cast<std::size_t>(length));
  return true;
}

/// `frame` as JSON when it is exactly the hot message in its usual shape: the one field of
/// the Response, holding a non-empty doc and at most a binding, each once. Anything else
/// (other kinds, unknown or repeated fields, malformed bytes) is left to the generic path,
/// which gives the same JSON for the usual shape: keys by field number, proto3 defaults
/// omitted, the document embedded as it was written.
bool decode_hot(const HotResponse& hot, std::string_view frame, std::string& out) {
  std::uint64_t tag = 0;
  std::string_view body;
  if (!read_varint(frame, tag) || tag != ((std::uint64_t{hot.field} << 3) | 2) ||
      !read_bytes(frame, body) || !frame.empty()) {
    return false;
  }
  std::uint64_t binding = 0;
  bool have_binding = false;
  std::string_view doc;
  while (!body.empty()) {
    if (!read_varint(body, tag)) {
      return false;
    }
    if (hot.binding_field != 0 && tag == (std::uint64_t{hot.binding_field} << 3) && !have_binding) {
      if (!read_varint(body, binding) || binding > UINT32_MAX) {
        return false;
      }
      have_binding = true;
    } else if (tag == ((std::uint64_t{hot.doc_field} << 3) | 2) && doc.empty()) {
      if (!read_bytes(body, doc) || doc.empty()) {
        return false;
      }
    } else {
      return false;
    }
  }
  if (doc.empty()) {
    return false;
  }
  out.append(R"({")").append(hot.kind).append(R"(":{)");
  if (binding != 0) {
    out.append(R"("binding":)").append(std::to_string(binding)).push_back(',');
  }
  out.append(R"("doc":)").append(doc).append("}}");
  return true;
}

template <typename Request, typename Response>
void make_messages(std::unique_ptr<google::protobuf::Message>& request,
                   std::unique_ptr<google::protobuf::Message>& response) {
  request = std::make_unique<Request>();
  response = std::make_unique<Response>();
}

}  // namespace

ProtobufTranscoder::ProtobufTranscoder(Protocol protocol) : protocol_(protocol) {
  switch (protocol) {
    case Protocol::capture:
      make_messages<flowpb::capture::Request, flowpb::capture::Response>(request_, response_);
      break;
    case Protocol::materialize:
      make_messages<flowpb::materialize::Request, flowpb::materialize::Response>(request_,
                                                                                 response_);
      break;
    case Protocol::derive:
      make_messages<flowpb::derive::Request, flowpb::derive::Response>(request_, response_);
      break;
  }
}

ProtobufTranscoder::~ProtobufTranscoder() = default;

std::string_view ProtobufTranscoder::response_name() const {
  switch (protocol_) {
    case Protocol::capture:
      return "capture.Response";
    case Protocol::materialize:
      return "materialize.Response";
    case Protocol::derive:
      return "derive.Response";
  }
  return "Response";
}

void ProtobufTranscoder::encode_request(std::string_view json, std::string& frame) {
  try {
    detail::json_to_message(json, *request_);
  } catch (const flow::Error& e) {
    throw flow::Error("flow-local cannot encode its own request as a protobuf frame (" +
                      std::string(e.what()) + "): " + std::string(json.substr(0, 200)));
  }
  const std::size_t size = request_->ByteSizeLong();
  if (size > UINT32_MAX) {
    throw flow::Error("a request of " + std::to_string(size) +
                      " bytes does not fit a protobuf frame");
  }
  frame.clear();
  detail::proto_wire::append_frame_length(frame, static_cast<std::uint32_t>(size));
  frame.resize(4 + size);
  // ByteSizeLong() cached the sizes that this serialisation uses.
  request_->SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(frame.data() + 4));
}

flow::Line ProtobufTranscoder::decode_response(const flow::Frame& frame) {
  json_.clear();
  if (decode_hot(hot_response(protocol_), frame.bytes, json_)) {
    return padded_line(frame.number);
  }
  if (frame.bytes.size() > static_cast<std::size_t>(INT32_MAX) ||
      !response_->ParseFromArray(frame.bytes.data(), static_cast<int>(frame.bytes.size()))) {
    std::string hex;
    static constexpr char kDigits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < frame.bytes.size() && i < 32; ++i) {
      const auto byte = static_cast<unsigned char>(frame.bytes[i]);
      hex += kDigits[byte >> 4];
      hex += kDigits[byte & 0xf];
    }
    throw flow::Error("connector stdout frame " + std::to_string(frame.number) + " (" +
                      std::to_string(frame.bytes.size()) + " bytes) is not a valid " +
                      std::string(response_name()) + " message; it starts with hex " + hex);
  }
  detail::message_to_json(*response_, json_);
  return padded_line(frame.number);
}

flow::Line ProtobufTranscoder::padded_line(std::size_t number) {
  const std::size_t size = json_.size();
  json_.append(flow::LineReader::kLinePadding, ' ');
  return flow::Line{.text = std::string_view(json_.data(), size),
                    .capacity = json_.size(),
                    .number = number,
                    .terminated = true};
}

}  // namespace flow::local
