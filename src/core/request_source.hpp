// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: where a session's requests come from, under either codec. JSON lines come from a
// LineReader; protobuf frames from a FrameReader, parsed into the kind's Request message.
// A session handles its hot requests (load, store, read) straight from that message and
// asks json_line() for the rest, which then go through the same JSON decoders as the JSON
// codec (see proto_json.hpp).
//
// Example:
//   RequestSource source(STDIN_FILENO, Codec::protobuf, request_message);
//   while (auto incoming = source.next()) {
//     if (incoming->hot) { …hot path on incoming->hot->bytes…; continue; }
//     const Line line = incoming->protobuf ? source.json_line() : incoming->line;
//     …decode the JSON line…
//   }

#include <google/protobuf/message.h>

#include <flow/codec.hpp>
#include <flow/frame_reader.hpp>
#include <flow/io_buffer_sizes.hpp>
#include <flow/line_reader.hpp>
#include <functional>
#include <optional>
#include <string>

#include "core/proto_reader.hpp"

namespace flow::detail {

/// One request: a JSON line, or (protobuf) a frame already parsed into the source's message.
struct Incoming {
  Line line;  ///< the JSON line; for protobuf, only `number` (the frame number) is set
  bool protobuf = false;
  /// Protobuf: the frame's one hot request (its field number and bytes, views into the
  /// frame), when it holds nothing else; the message is then not parsed at all.
  std::optional<proto_reader::Field> hot;
};

class RequestSource {
 public:
  /// `message` is the kind's Request message; it is reused for every frame. `hot_fields`
  /// are the Request field numbers of the hot requests (up to two; 0 for none), which
  /// next() hands over as raw bytes instead of parsing. Input is read in blocks of
  /// `read_block` bytes.
  RequestSource(int fd,
                Codec codec,
                google::protobuf::Message& message,
                std::uint32_t hot_field_a = 0,
                std::uint32_t hot_field_b = 0,
                std::size_t read_block = IoBufferSizes{}.read_block);

  void set_cancel(const std::function<bool()>& cancelled);
  [[nodiscard]] bool cancelled() const noexcept;

  /// The next request, or nullopt at EOF (or when cancelled). Throws flow::ProtocolError
  /// for a frame that is not a valid Request message, or a truncated frame.
  std::optional<Incoming> next();

  /// Protobuf: the current message as a JSON line, valid until the next call. Its memory
  /// carries the padding simdjson needs. A hot frame is parsed here if it was not yet.
  Line json_line();

  /// Requests read so far.
  [[nodiscard]] std::size_t count() const noexcept;
  [[nodiscard]] Codec codec() const noexcept { return codec_; }

 private:
  Codec codec_;
  google::protobuf::Message& message_;
  std::uint32_t hot_field_a_;
  std::uint32_t hot_field_b_;
  std::optional<LineReader> lines_;
  std::optional<FrameReader> frames_;
  /// Parses `frame` into message_; throws flow::ProtocolError if it is not a valid Request.
  void parse_frame(std::string_view frame, std::size_t number);

  std::size_t current_ = 0;
  std::string_view hot_frame_;  // a hot frame not parsed into message_ (valid until next())
  std::string json_;
};

}  // namespace flow::detail
