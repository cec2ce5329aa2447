// SPDX-License-Identifier: Apache-2.0
//
// The protobuf codec's building blocks: codec selection, the frame reader, the hand encoder of
// the hot responses, and the transcoder. Wire bytes are checked against hand-computed values
// and against libprotobuf's own parser, so a wrong field number cannot hide behind a round trip.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <flow/codec.hpp>
#include <flow/error.hpp>
#include <flow/frame_reader.hpp>
#include <string>
#include <thread>

#include "capture.pb.h"
#include "core/proto_json.hpp"
#include "core/proto_reader.hpp"
#include "core/proto_wire.hpp"
#include "derive.pb.h"
#include "materialize.pb.h"

namespace {

using flow::detail::json_to_message;
using flow::detail::message_to_json;
namespace proto_wire = flow::detail::proto_wire;

/// A pipe whose write end is filled with `bytes` and closed by a thread.
struct FedPipe {
  int fds[2] = {-1, -1};
  std::thread writer;
  explicit FedPipe(std::string bytes) {
    EXPECT_EQ(pipe(fds), 0);
    writer = std::thread([this, data = std::move(bytes)] {
      std::size_t done = 0;
      while (done < data.size()) {
        const ssize_t n = write(fds[1], data.data() + done, data.size() - done);
        if (n <= 0) {
          break;
        }
        done += static_cast<std::size_t>(n);
      }
      close(fds[1]);
    });
  }
  FedPipe(const FedPipe&) = delete;
  FedPipe& operator=(const FedPipe&) = delete;
  FedPipe(FedPipe&&) = delete;
  FedPipe& operator=(FedPipe&&) = delete;
  ~FedPipe() {
    close(fds[0]);
    writer.join();
  }
};

std::string frame_of(std::string_view body) {
  std::string out;
  proto_wire::append_frame_length(out, static_cast<std::uint32_t>(body.size()));
  out.append(body);
  return out;
}

TEST(Codec, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(flow::parse_codec(""), flow::Codec::json);
  EXPECT_EQ(flow::parse_codec("json"), flow::Codec::json);
  EXPECT_EQ(flow::parse_codec("proto"), flow::Codec::protobuf);
  EXPECT_EQ(flow::parse_codec("protobuf"), flow::Codec::protobuf);
  EXPECT_THROW(flow::parse_codec("JSON "), flow::ConfigError);
  ::setenv("FLOW_RUNTIME_CODEC", "proto", 1);
  EXPECT_EQ(flow::codec_from_environment(), flow::Codec::protobuf);
  ::unsetenv("FLOW_RUNTIME_CODEC");
  EXPECT_EQ(flow::codec_from_environment(), flow::Codec::json);
}

TEST(FrameReader, ReadsFramesOfAnySizeAcrossSmallBlocks) {
  const std::string big(300000, 'x');
  FedPipe pipe(frame_of("a") + frame_of("") + frame_of(big) + frame_of("bc"));
  flow::FrameReader reader(pipe.fds[0], /*block_size=*/7);
  auto f = reader.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes, "a");
  EXPECT_EQ(f->number, 1U);
  f = reader.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes, "");
  f = reader.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes, big);
  f = reader.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes, "bc");
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.frame_count(), 4U);
}

TEST(FrameReader, TruncatedFrameIsAnErrorNamingIt) {
  FedPipe pipe(frame_of("abc") + frame_of("defgh").substr(0, 6));
  flow::FrameReader reader(pipe.fds[0]);
  ASSERT_TRUE(reader.next());
  try {
    reader.next();
    FAIL() << "expected a ProtocolError";
  } catch (const flow::ProtocolError& e) {
    EXPECT_EQ(e.line(), 2U);
    EXPECT_NE(std::string(e.what()).find("got 2 of its 5 bytes"), std::string::npos) << e.what();
  }
}

TEST(FrameReader, JsonInputIsRecognisedAsACodecMismatch) {
  FedPipe pipe(R"({"spec":{"connectorType":"IMAGE","config":{}}})"
               "\n");
  flow::FrameReader reader(pipe.fds[0]);
  try {
    reader.next();
    FAIL() << "expected a ProtocolError";
  } catch (const flow::ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("FLOW_RUNTIME_CODEC=json"), std::string::npos) << e.what();
  }
}

TEST(ProtoWire, CapturedFrameIsWhatLibprotobufParses) {
  std::string out;
  proto_wire::append_document_frame(out, 6, 1, 3, 2, {R"({"a":)", "1}"});
  ASSERT_GE(out.size(), 4U);
  flowpb::capture::Response response;
  ASSERT_TRUE(response.ParseFromArray(out.data() + 4, static_cast<int>(out.size() - 4)));
  EXPECT_EQ(static_cast<std::uint8_t>(out[0]), out.size() - 4);
  ASSERT_TRUE(response.has_captured());
  EXPECT_EQ(response.captured().binding(), 3U);
  EXPECT_EQ(response.captured().doc_json(), R"({"a":1})");
  // Hand-computed: tag 6/LEN, length 11, tag 1/varint 3, tag 2/LEN 7 bytes of document.
  EXPECT_EQ(out.substr(4, 6), std::string("\x32\x0b\x08\x03\x12\x07", 6));
}

TEST(ProtoWire, BindingZeroAndLargeDocumentsEncode) {
  const std::string doc = "{\"k\":\"" + std::string(200000, 'v') + "\"}";
  std::string out;
  proto_wire::append_document_frame(out, 5, 1, 0, 2, {doc});
  flowpb::materialize::Response response;
  ASSERT_TRUE(response.ParseFromArray(out.data() + 4, static_cast<int>(out.size() - 4)));
  EXPECT_EQ(response.loaded().binding(), 0U);
  EXPECT_EQ(response.loaded().doc_json(), doc);

  out.clear();
  proto_wire::append_document_frame(out, 4, 0, 0, 1, {R"({"x":true})"});
  flowpb::derive::Response published;
  ASSERT_TRUE(published.ParseFromArray(out.data() + 4, static_cast<int>(out.size() - 4)));
  EXPECT_EQ(published.published().doc_json(), R"({"x":true})");
}

TEST(ProtoJson, ResponseBytesMatchTheProtocolFieldNumbers) {
  flowpb::capture::Response response;
  json_to_message(R"({"opened":{"explicitAcknowledgements":true}})", response);
  // capture.Response.opened = 5, Opened.explicit_acknowledgements = 1.
  EXPECT_EQ(response.SerializeAsString(), std::string("\x2a\x02\x08\x01", 4));

  json_to_message(R"({"checkpoint":{"state":{"updated":{"a":[1, 2]},"mergePatch":true}}})",
                  response);
  // checkpoint = 7 { state = 1 { updated_json = 1 (raw text), merge_patch = 2 } }.
  const std::string updated = R"({"a":[1, 2]})";
  std::string expected = "\x3a";
  expected += static_cast<char>(2 + 2 + updated.size() + 2);
  expected += "\x0a";
  expected += static_cast<char>(2 + updated.size() + 2);
  expected += "\x0a";
  expected += static_cast<char>(updated.size());
  expected += updated;
  expected += std::string("\x10\x01", 2);
  EXPECT_EQ(response.SerializeAsString(), expected);
}

TEST(ProtoJson, RequestsTranscodeWithRawJsonFieldsAndDefaultsOmitted) {
  flowpb::materialize::Request request;
  auto* open = request.mutable_open();
  open->set_version("v1");
  open->set_state_json(R"({"cursor":"x"})");
  open->mutable_range()->set_key_end(4294967295U);
  auto* binding = open->mutable_materialization()->add_bindings();
  binding->set_resource_config_json(R"({"table":"t"})");
  (*binding->mutable_field_selection()->mutable_field_config_json_map())["id"] = R"({"a":1})";
  binding->mutable_collection()->add_projections()->mutable_inference()->add_enum_json_vec("7");
  std::string json;
  message_to_json(request, json);
  EXPECT_EQ(json, R"({"open":{"materialization":{"bindings":[{"resourceConfig":{"table":"t"},)"
                  R"("collection":{"projections":[{"inference":{"enum":[7]}}]},)"
                  R"("fieldSelection":{"fieldConfig":{"id":{"a":1}}}}]},"version":"v1",)"
                  R"("range":{"keyEnd":4294967295},"state":{"cursor":"x"}}})");
}

TEST(ProtoJson, UnknownResponseFieldsAndWrongTypesAreErrors) {
  flowpb::capture::Response response;
  EXPECT_THROW(json_to_message(R"({"opened":{"bogus":1}})", response), flow::Error);
  EXPECT_THROW(json_to_message(R"({"opened":{"explicitAcknowledgements":"yes"}})", response),
               flow::Error);
  EXPECT_THROW(json_to_message(R"({"opened":{}} trailing)", response), flow::Error);
  EXPECT_THROW(json_to_message(R"([1])", response), flow::Error);
}

TEST(ProtoJson, EnumsByNameOrNumberAndInt64AsStrings) {
  flowpb::materialize::Response response;
  json_to_message(
      R"({"validated":{"bindings":[{"constraints":{"f":{"type":4}},"projectionConstraints":[{"field":"g","constraint":{"type":"FIELD_FORBIDDEN"}}]}]}})",
      response);
  EXPECT_EQ(response.validated().bindings(0).constraints().at("f").type(), 4);
  EXPECT_EQ(response.validated().bindings(0).projection_constraints(0).constraint().type(), 5);
  json_to_message(R"({"opened":{"runtimeCheckpoint":{"sources":{"j":{"readThrough":"12345"}}}}})",
                  response);
  EXPECT_EQ(response.opened().runtime_checkpoint().sources().at("j").read_through(), 12345);
  std::string json;
  message_to_json(response, json);
  EXPECT_EQ(json, R"({"opened":{"runtimeCheckpoint":{"sources":{"j":{"readThrough":"12345"}}}}})");
}

}  // namespace

namespace proto_reader = flow::detail::proto_reader;

TEST(ProtoReader, ReadsWhatLibprotobufWritesAsViewsIntoTheFrame) {
  flowpb::materialize::Request request;
  auto* store = request.mutable_store();
  store->set_binding(300);
  store->set_key_packed(std::string("\x15\x01", 2));
  store->set_doc_json(R"({"id":1})");
  store->set_exists(true);
  const std::string bytes = request.SerializeAsString() + std::string("\xa2\x06\x01x", 4);

  const auto hot = proto_reader::single_field(bytes, 5, 7);  // load or store; 100 rides along
  ASSERT_TRUE(hot);
  EXPECT_EQ(hot->number, 7U);
  EXPECT_GE(hot->bytes.data(), bytes.data());  // a view, not a copy
  EXPECT_LT(hot->bytes.data(), bytes.data() + bytes.size());
  proto_reader::Reader reader(hot->bytes);
  std::uint32_t binding = 0;
  std::string_view key;
  std::string_view doc;
  bool exists = false;
  while (auto field = reader.next()) {
    if (field->number == 1) {
      binding = proto_reader::as_u32(*field, "binding");
    } else if (field->number == 3) {
      key = proto_reader::as_bytes(*field, "keyPacked");
    } else if (field->number == 6) {
      doc = proto_reader::as_bytes(*field, "doc");
    } else if (field->number == 7) {
      exists = proto_reader::as_bool(*field, "exists");
    }
  }
  EXPECT_EQ(binding, 300U);
  EXPECT_EQ(key, std::string_view("\x15\x01", 2));
  EXPECT_EQ(doc, R"({"id":1})");
  EXPECT_TRUE(exists);
}

TEST(ProtoReader, OnlyALoneHotFieldIsTakenAndMalformedInputThrows) {
  flowpb::materialize::Request request;
  request.mutable_store();
  request.mutable_flush();
  EXPECT_FALSE(proto_reader::single_field(request.SerializeAsString(), 5, 7));  // two requests
  EXPECT_FALSE(proto_reader::single_field(std::string("\x3a\x05"
                                                      "ab",
                                                      4),
                                          5, 7));  // truncated

  proto_reader::Reader truncated(std::string_view("\x08", 1));  // a tag without its varint
  EXPECT_THROW(truncated.next(), flow::Error);
  proto_reader::Reader group(std::string_view("\x0b", 1));  // wire type 3 (a group)
  EXPECT_THROW(group.next(), flow::Error);
  proto_reader::Reader varint(
      std::string_view("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12));
  EXPECT_THROW(varint.next(), flow::Error);  // longer than 10 bytes
  const proto_reader::Field text{.number = 1, .wire_type = 2, .value = 0, .bytes = "x"};
  EXPECT_THROW(proto_reader::as_u32(text, "binding"), flow::Error);
}
