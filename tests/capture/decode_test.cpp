// SPDX-License-Identifier: Apache-2.0
// Decoding of capture requests whose bindings name their collection by `collectionIndex` into
// `linkedCollections` (newer runtimes): the connector always sees the resolved CollectionSpec.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <flow/error.hpp>
#include <string>
#include <variant>

#include "capture/codec.hpp"

namespace {

namespace capture = flow::capture;

capture::detail::Request decode(const std::string& json) {
  const simdjson::padded_string text(json);
  flow::detail::RequestParser parser;
  const flow::Line line{.text = std::string_view(text.data(), text.size()),
                        .capacity = text.size() + simdjson::SIMDJSON_PADDING,
                        .number = 1};
  return capture::detail::decode_request(parser, line);
}

template <class T>
T decode_as(const std::string& json) {
  auto request = decode(json);
  EXPECT_TRUE(std::holds_alternative<T>(request)) << json;
  return std::get<T>(std::move(request));
}

/// The message of the error that decoding `json` throws, or "" if it decodes.
std::string decode_error(const std::string& json) {
  try {
    decode(json);
  } catch (const flow::ProtocolError& e) {
    return e.what();
  }
  return "";
}

const std::string kLinkedCamel =
    R"("linkedCollections":[{"name":"acmeCo/zero","key":["/z"]},)"
    R"({"name":"acmeCo/one","key":["/a","/b"],"writeSchema":{"type":"object"}}])";
const std::string kLinkedSnake =
    R"("linked_collections":[{"name":"acmeCo/zero","key":["/z"]},)"
    R"({"name":"acmeCo/one","key":["/a","/b"],"write_schema_json":{"type":"object"}}])";

TEST(CaptureDecode, ValidateResolvesCollectionIndexCamelCase) {
  // The table comes after the bindings: resolution waits for the whole message.
  const auto validate = decode_as<capture::Validate>(
      R"({"validate":{"name":"acmeCo/cap","bindings":[)"
      R"({"resourceConfig":{"t":0},"collectionIndex":1,"backfill":3},{"resourceConfig":{"t":1}}],)" +
      kLinkedCamel + "}}");
  ASSERT_EQ(validate.bindings.size(), 2u);
  EXPECT_EQ(validate.bindings[0].collection.name, "acmeCo/one");
  EXPECT_EQ(validate.bindings[0].collection.key, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(validate.bindings[0].collection.write_schema, nlohmann::json({{"type", "object"}}));
  EXPECT_EQ(validate.bindings[0].backfill, 3u);
  // No collectionIndex is index 0 (the proto3 default).
  EXPECT_EQ(validate.bindings[1].collection.name, "acmeCo/zero");
  EXPECT_EQ(validate.bindings[1].resource_config, nlohmann::json({{"t", 1}}));
}

TEST(CaptureDecode, ValidateResolvesCollectionIndexSnakeCase) {
  // The table comes first here, and a lastCapture carries its own table.
  const auto validate = decode_as<capture::Validate>(
      R"({"validate":{)" + kLinkedSnake +
      R"(,"bindings":[{"resource_config_json":{},"collection_index":1}],)"
      R"("last_capture":{"name":"acmeCo/cap","bindings":[{"collection_index":0}],)"
      R"("linked_collections":[{"name":"acmeCo/previous"}]}}})");
  ASSERT_EQ(validate.bindings.size(), 1u);
  EXPECT_EQ(validate.bindings[0].collection.name, "acmeCo/one");
  EXPECT_EQ(validate.bindings[0].collection.write_schema, nlohmann::json({{"type", "object"}}));
  ASSERT_TRUE(validate.last_capture.has_value());
  ASSERT_EQ(validate.last_capture->bindings.size(), 1u);
  EXPECT_EQ(validate.last_capture->bindings[0].collection.name, "acmeCo/previous");
}

TEST(CaptureDecode, ValidateWithoutLinkedCollectionsKeepsInlineCollections) {
  const auto validate = decode_as<capture::Validate>(
      R"({"validate":{"bindings":[{"collection":{"name":"acmeCo/inline"},"collectionIndex":7}]}})");
  ASSERT_EQ(validate.bindings.size(), 1u);
  EXPECT_EQ(validate.bindings[0].collection.name, "acmeCo/inline");
}

TEST(CaptureDecode, OpenResolvesCaptureSpecBindingsCamelCase) {
  const auto open =
      decode_as<capture::Open>(R"({"open":{"capture":{"name":"acmeCo/cap","bindings":[)"
                               R"({"resourcePath":["t0"],"stateKey":"t0","collectionIndex":1},)"
                               R"({"resourcePath":["t1"],"stateKey":"t1","collectionIndex":0},)"
                               R"({"resourcePath":["t2"],"stateKey":"t2","collectionIndex":1}],)" +
                               kLinkedCamel + R"(},"range":{"keyEnd":4294967295}}})");
  ASSERT_EQ(open.capture.bindings.size(), 3u);
  EXPECT_EQ(open.capture.bindings[0].collection.name, "acmeCo/one");
  EXPECT_EQ(open.capture.bindings[0].state_key, "t0");
  EXPECT_EQ(open.capture.bindings[1].collection.name, "acmeCo/zero");
  // Several bindings may share one collection.
  EXPECT_EQ(open.capture.bindings[2].collection.name, "acmeCo/one");
  EXPECT_EQ(open.capture.bindings[2].collection.key, (std::vector<std::string>{"/a", "/b"}));
}

TEST(CaptureDecode, ApplyResolvesCaptureAndLastCaptureSnakeCase) {
  const auto apply = decode_as<capture::Apply>(
      R"({"apply":{"capture":{"bindings":[{"collection_index":1,"state_key":"k"}],)" +
      kLinkedSnake +
      R"(},"last_capture":{"bindings":[{"collection_index":1}],)"
      R"("linked_collections":[{"name":"a"},{"name":"b"}]},"version":"v2"}})");
  ASSERT_EQ(apply.capture.bindings.size(), 1u);
  EXPECT_EQ(apply.capture.bindings[0].collection.name, "acmeCo/one");
  EXPECT_EQ(apply.capture.bindings[0].state_key, "k");
  ASSERT_TRUE(apply.last_capture.has_value());
  EXPECT_EQ(apply.last_capture->bindings.at(0).collection.name, "b");
  EXPECT_EQ(apply.version, "v2");
}

TEST(CaptureDecode, CollectionIndexOutOfRangeIsAnErrorNamingTheField) {
  EXPECT_NE(
      decode_error(R"({"validate":{"bindings":[{},{"collectionIndex":2}],)" + kLinkedCamel + "}}")
          .find("validate.bindings[1].collectionIndex 2 is out of range (2 linked "
                "collections)"),
      std::string::npos);
  EXPECT_NE(decode_error(R"({"open":{"capture":{"bindings":[{"collection_index":9}],)" +
                         kLinkedSnake + "}}}")
                .find("open.capture.bindings[0].collectionIndex 9 is out of range"),
            std::string::npos);
  EXPECT_NE(
      decode_error(R"({"apply":{"capture":{},"last_capture":{"bindings":[{"collectionIndex":5}],)"
                   R"("linkedCollections":[{"name":"x"}]}}})")
          .find("apply.lastCapture.bindings[0].collectionIndex 5 is out of range (1 linked "
                "collections)"),
      std::string::npos);
}

}  // namespace
