// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: where a session's responses go, under either codec. Cold responses are encoded
// once, as a JSON line, by the same encoders for both codecs: under JSON the line goes
// straight into the output buffer; under protobuf commit() transcodes it into the kind's
// Response message and writes it as a frame. Hot responses (captured, loaded, published)
// are hand-encoded by their sessions with proto_wire.hpp instead.
//
// Example:
//   ResponseSink sink(out, codec, response_message);
//   encode_spec(sink.json(), spec);
//   sink.commit();
//   out.flush();

#include <google/protobuf/message.h>

#include <flow/codec.hpp>
#include <flow/output_stream.hpp>
#include <string>

namespace flow::detail {

class ResponseSink {
 public:
  /// `message` is the kind's Response message, reused for every transcoded response.
  ResponseSink(OutputStream& out, Codec codec, google::protobuf::Message& message);

  /// Where the next JSON response line is to be appended.
  std::string& json();
  /// Protobuf: transcodes the line appended since json() into a frame in the output buffer.
  /// JSON: nothing (the line is already there). Throws flow::Error if the JSON holds a
  /// field the protobuf message does not have.
  void commit();

  [[nodiscard]] Codec codec() const noexcept { return codec_; }
  OutputStream& stream() noexcept { return out_; }

 private:
  OutputStream& out_;
  Codec codec_;
  google::protobuf::Message& message_;
  std::string line_;
};

}  // namespace flow::detail
