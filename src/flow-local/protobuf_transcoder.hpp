// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/frame_reader.hpp>
#include <flow/line_reader.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "flow-local/catalog.hpp"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

/// The protobuf codec at the connector process boundary, for `local: {protobuf: true}`
/// endpoints (PROTOCOL.md §1.4). flow-local builds and checks JSON messages everywhere else;
/// this turns each JSON request into a frame (4-byte little-endian length + the protocol's
/// Request message) and each response frame back into the JSON line the JSON codec would
/// carry (json_name keys, raw-JSON fields embedded, proto3 defaults omitted), so the checks
/// and the printing are the same under both codecs.
///
/// The per-document responses (captured, loaded, published) are decoded by hand, with no
/// message object and no allocation once the buffer has grown; the rest go through the
/// descriptor-driven transcoder (src/core/proto_json.hpp), with Request and Response messages
/// reused from message to message.
///
/// Example:
///   ProtobufTranscoder codec(Protocol::capture);
///   std::string frame;
///   codec.encode_request(R"({"acknowledge":{"checkpoints":1}})", frame);  // write(frame)
///   flow::FrameReader frames(stdout_fd);
///   while (auto f = frames.next()) {
///     flow::Line line = codec.decode_response(*f);  // line.text: {"captured":{"doc":{…}}}
///   }
namespace flow::local {

class ProtobufTranscoder {
 public:
  explicit ProtobufTranscoder(Protocol protocol);
  ~ProtobufTranscoder();
  ProtobufTranscoder(const ProtobufTranscoder&) = delete;
  ProtobufTranscoder& operator=(const ProtobufTranscoder&) = delete;
  ProtobufTranscoder(ProtobufTranscoder&&) = delete;
  ProtobufTranscoder& operator=(ProtobufTranscoder&&) = delete;

  /// Replaces `frame` with the frame of the JSON request `json`. Throws flow::Error when the
  /// request has no protobuf form (a field our .proto subset lacks: a flow-local bug).
  void encode_request(std::string_view json, std::string& frame);

  /// The response frame as one JSON line, padded for simdjson (Line::capacity), numbered as
  /// the frame. Valid until the next call. Throws flow::ProtocolError when the frame does not
  /// parse as the protocol's Response message.
  flow::Line decode_response(const flow::Frame& frame);

  /// "capture.Response" etc., for messages.
  [[nodiscard]] std::string_view response_name() const;

 private:
  flow::Line padded_line(std::size_t number);

  Protocol protocol_;
  std::unique_ptr<google::protobuf::Message> request_;
  std::unique_ptr<google::protobuf::Message> response_;
  std::string json_;  // the decoded response line, then kLinePadding spaces
};

}  // namespace flow::local
