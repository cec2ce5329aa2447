// SPDX-License-Identifier: Apache-2.0
// flow-local's protobuf boundary: requests become frames libprotobuf parses back, and response
// frames (built with libprotobuf) become the JSON lines of the JSON codec, by the hand decoder
// for documents and the descriptor-driven one for the rest, which must agree.
#include "flow-local/protobuf_transcoder.hpp"

#include <capture.pb.h>
#include <derive.pb.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <materialize.pb.h>

#include <cstdint>
#include <flow/error.hpp>
#include <string>

#include "core/proto_json.hpp"

namespace flow::local {
namespace {

using ::testing::HasSubstr;

/// The message bytes of a frame, after checking its 4-byte little-endian length.
std::string payload(const std::string& frame) {
  EXPECT_GE(frame.size(), 4U);
  const auto* b = reinterpret_cast<const unsigned char*>(frame.data());
  const std::uint32_t length = b[0] | (b[1] << 8U) | (b[2] << 16U) | (std::uint32_t{b[3]} << 24U);
  EXPECT_EQ(length, frame.size() - 4);
  return frame.substr(4);
}

/// Decodes `message` framed, checking the line's padding and number.
std::string decode(ProtobufTranscoder& codec,
                   const google::protobuf::Message& message,
                   std::size_t number = 7) {
  const std::string bytes = message.SerializeAsString();
  const auto line = codec.decode_response(flow::Frame{.bytes = bytes, .number = number});
  EXPECT_EQ(line.number, number);
  EXPECT_GE(line.capacity, line.text.size() + flow::LineReader::kLinePadding);
  return std::string(line.text);
}

std::string generic_json(const google::protobuf::Message& message) {
  std::string out;
  detail::message_to_json(message, out);
  return out;
}

TEST(ProtobufTranscoder, RequestsBecomeFramesOfTheProtocolsRequest) {
  ProtobufTranscoder codec(Protocol::capture);
  std::string frame;
  codec.encode_request(R"({"spec":{"connectorType":"LOCAL","config":{}}})", frame);
  flowpb::capture::Request spec;
  ASSERT_TRUE(spec.ParseFromString(payload(frame)));
  EXPECT_TRUE(spec.has_spec());
  EXPECT_EQ(spec.spec().connector_type(), flowpb::CaptureSpec::LOCAL);
  EXPECT_EQ(spec.spec().config_json(), "{}");

  // The same buffer is reused for the next request.
  codec.encode_request(R"({"acknowledge":{"checkpoints":1}})", frame);
  flowpb::capture::Request ack;
  ASSERT_TRUE(ack.ParseFromString(payload(frame)));
  EXPECT_TRUE(ack.has_acknowledge());
  EXPECT_FALSE(ack.has_spec());
  EXPECT_EQ(ack.acknowledge().checkpoints(), 1U);

  ProtobufTranscoder materialize(Protocol::materialize);
  materialize.encode_request(R"({"acknowledge":{}})", frame);
  flowpb::materialize::Request empty_ack;
  ASSERT_TRUE(empty_ack.ParseFromString(payload(frame)));
  EXPECT_TRUE(empty_ack.has_acknowledge()) << "an empty message is still sent";
  materialize.encode_request(R"({"store":{"binding":1,"key":[3],"values":[],"doc":{"id":3}}})",
                             frame);
  flowpb::materialize::Request store;
  ASSERT_TRUE(store.ParseFromString(payload(frame)));
  EXPECT_EQ(store.store().binding(), 1U);
  EXPECT_EQ(store.store().key_json(), "[3]");
  EXPECT_EQ(store.store().doc_json(), R"({"id":3})");

  ProtobufTranscoder derive(Protocol::derive);
  derive.encode_request(R"({"read":{"transform":0,"doc":{"a":1},"shuffle":{"key":["x"]}}})", frame);
  flowpb::derive::Request read;
  ASSERT_TRUE(read.ParseFromString(payload(frame)));
  EXPECT_EQ(read.read().doc_json(), R"({"a":1})");
  EXPECT_EQ(read.read().shuffle().key_json(), R"(["x"])");
}

TEST(ProtobufTranscoder, ARequestWithNoProtobufFormIsOneError) {
  ProtobufTranscoder codec(Protocol::capture);
  std::string frame;
  try {
    codec.encode_request(R"({"open":{"noSuchField":1}})", frame);
    FAIL() << "no error";
  } catch (const flow::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("flow-local cannot encode its own request"));
    EXPECT_THAT(e.what(), HasSubstr("noSuchField"));
  }
}

TEST(ProtobufTranscoder, DocumentsDecodeByHandAsTheGenericTranscoderWould) {
  ProtobufTranscoder capture(Protocol::capture);
  flowpb::capture::Response captured;
  captured.mutable_captured()->set_binding(3);
  captured.mutable_captured()->set_doc_json(R"({"id": 1, "s":"x"})");  // spacing kept
  EXPECT_EQ(decode(capture, captured), R"({"captured":{"binding":3,"doc":{"id": 1, "s":"x"}}})");
  EXPECT_EQ(decode(capture, captured), generic_json(captured));
  captured.mutable_captured()->set_binding(0);
  EXPECT_EQ(decode(capture, captured), R"({"captured":{"doc":{"id": 1, "s":"x"}}})");
  EXPECT_EQ(decode(capture, captured), generic_json(captured));

  ProtobufTranscoder materialize(Protocol::materialize);
  flowpb::materialize::Response loaded;
  loaded.mutable_loaded()->set_binding(1);
  loaded.mutable_loaded()->set_doc_json(R"({"k":[1,2]})");
  EXPECT_EQ(decode(materialize, loaded), R"({"loaded":{"binding":1,"doc":{"k":[1,2]}}})");
  EXPECT_EQ(decode(materialize, loaded), generic_json(loaded));

  ProtobufTranscoder derive(Protocol::derive);
  flowpb::derive::Response published;
  published.mutable_published()->set_doc_json(R"({"total":2.5})");
  EXPECT_EQ(decode(derive, published), R"({"published":{"doc":{"total":2.5}}})");
  EXPECT_EQ(decode(derive, published), generic_json(published));
}

TEST(ProtobufTranscoder, UnusualDocumentFramesTakeTheGenericPath) {
  ProtobufTranscoder capture(Protocol::capture);
  // Fields in reverse order, and an unknown field (a newer runtime's): parsed, then printed in
  // field order without it.
  flowpb::capture::Response::Captured inner;
  inner.set_doc_json(R"({"a":1})");
  std::string body = inner.SerializeAsString();  // doc only
  body += std::string("\x08\x02", 2);            // then binding 2
  body += std::string("\x78\x05", 2);            // field 15, varint: unknown
  std::string bytes = "\x32" + std::string(1, static_cast<char>(body.size())) + body;
  auto line = capture.decode_response(flow::Frame{.bytes = bytes, .number = 1});
  EXPECT_EQ(line.text, R"({"captured":{"binding":2,"doc":{"a":1}}})");

  // An empty captured (no doc) is what it is: the runner's checks report it.
  flowpb::capture::Response empty;
  empty.mutable_captured();
  EXPECT_EQ(decode(capture, empty), R"({"captured":{}})");

  // Two kinds in one Response: both printed, and response-kind catches it downstream.
  flowpb::capture::Response two;
  two.mutable_captured()->set_doc_json("{}");
  two.mutable_checkpoint();
  EXPECT_EQ(decode(capture, two), R"({"captured":{"doc":{}},"checkpoint":{}})");
}

TEST(ProtobufTranscoder, OtherResponsesDecodeAsTheirJsonForm) {
  ProtobufTranscoder capture(Protocol::capture);
  flowpb::capture::Response checkpoint;
  checkpoint.mutable_checkpoint()->mutable_state()->set_updated_json(R"({"n":5})");
  checkpoint.mutable_checkpoint()->mutable_state()->set_merge_patch(true);
  EXPECT_EQ(decode(capture, checkpoint),
            R"({"checkpoint":{"state":{"updated":{"n":5},"mergePatch":true}}})");

  flowpb::capture::Response opened;
  opened.mutable_opened();
  EXPECT_EQ(decode(capture, opened), R"({"opened":{}})");

  ProtobufTranscoder derive(Protocol::derive);
  flowpb::derive::Response flushed;
  flushed.mutable_flushed();
  EXPECT_EQ(decode(derive, flushed), R"({"flushed":{}})");
}

TEST(ProtobufTranscoder, AFrameThatIsNotAResponseIsOneError) {
  ProtobufTranscoder capture(Protocol::capture);
  const std::string garbage("\x0a\x7f\x01", 3);  // field 1, length 127, 1 byte
  try {
    capture.decode_response(flow::Frame{.bytes = garbage, .number = 4});
    FAIL() << "no error";
  } catch (const flow::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("connector stdout frame 4 (3 bytes) is not a valid "
                                    "capture.Response message; it starts with hex 0a7f01"));
  }
}

}  // namespace
}  // namespace flow::local
