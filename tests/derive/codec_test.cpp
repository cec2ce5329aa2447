// SPDX-License-Identifier: Apache-2.0
// Pure request decoding and response encoding of the derive protocol.

#include <gtest/gtest.h>

#include <flow/derive.hpp>
#include <flow/error.hpp>
#include <string>

#include "../common/ondemand_value.hpp"
#include "derive/request_decode.hpp"
#include "derive/response_encode.hpp"

namespace {

namespace derive = flow::derive;
namespace od = simdjson::ondemand;
using flow::test::with_value;

TEST(DeriveCodec, OpenDecodesDerivationWithSnakeCaseNamesAndLinkedCollections) {
  derive::Open open;
  with_value(
      R"({"collection":{"name":"acmeCo/out","key":["/k"],"write_schema_json":{"type":"object"},)"
      R"("derivation":{"connector_type":"LOCAL","config_json":{"q":1},"shuffle_key_types":["STRING"],)"
      R"("transforms":[{"name":"a","collection_index":1,"shuffle_key":["/k"],"read_only":true,)"
      R"("lambda_config_json":{"l":2},"state_key":"a.v1","backfill":3,"priority":7},)"
      R"({"name":"b","collection":{"name":"acmeCo/direct"}}],)"
      R"("linkedCollections":[{"name":"acmeCo/zero"},{"name":"acmeCo/one","key":["/id"]}]}},)"
      R"("version":"v9","range":{"keyBegin":16,"keyEnd":31},"state_json":{"s":true},"$internal":"AA=="})",
      [&](od::value value) { open = derive::detail::decode_open(value); });
  EXPECT_EQ(open.collection.name, "acmeCo/out");
  EXPECT_EQ(open.collection.write_schema, nlohmann::json({{"type", "object"}}));
  EXPECT_EQ(open.derivation.connector_type, "LOCAL");
  EXPECT_EQ(open.derivation.config, nlohmann::json({{"q", 1}}));
  EXPECT_EQ(open.derivation.shuffle_key_types, std::vector<std::string>{"STRING"});
  ASSERT_EQ(open.derivation.transforms.size(), 2u);
  const auto& a = open.derivation.transforms[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.collection.name, "acmeCo/one");
  EXPECT_EQ(a.collection.key, std::vector<std::string>{"/id"});
  EXPECT_EQ(a.shuffle_key, std::vector<std::string>{"/k"});
  EXPECT_TRUE(a.read_only);
  EXPECT_EQ(a.lambda_config, nlohmann::json({{"l", 2}}));
  EXPECT_EQ(a.state_key, "a.v1");
  EXPECT_EQ(a.backfill, 3u);
  EXPECT_EQ(open.derivation.transforms[1].collection.name, "acmeCo/direct");
  EXPECT_EQ(open.version, "v9");
  EXPECT_EQ(open.range.key_begin, 16u);
  EXPECT_EQ(open.range.key_end, 31u);
  EXPECT_EQ(open.range.r_clock_end, 0xffffffffu);
  EXPECT_EQ(open.state, nlohmann::json({{"s", true}}));
}

TEST(DeriveCodec, OpenDefaultsStateToEmptyObject) {
  derive::Open open;
  with_value(R"({"collection":{"name":"x"}})",
             [&](od::value value) { open = derive::detail::decode_open(value); });
  EXPECT_EQ(open.state, nlohmann::json::object());
  EXPECT_TRUE(open.derivation.transforms.empty());
}

TEST(DeriveCodec, LinkedCollectionIndexOutOfRangeIsAnError) {
  with_value(
      R"({"transforms":[{"name":"a","collectionIndex":4}],"linkedCollections":[{"name":"z"}]})",
      [&](od::value value) {
        EXPECT_THROW(derive::detail::decode_derivation(value), flow::detail::DecodeError);
      });
}

TEST(DeriveCodec, ReadViewsPointIntoTheLineAndUuidPartsAcceptNumbersOrStrings) {
  const std::string line =
      R"({"transform":2,"uuid":{"node":12,"clock":"99"},"shuffle":{"key_json":[1,"x"],"hash":5},"doc":{"a" : 1}})";
  const simdjson::padded_string text(line);
  od::parser parser;
  od::document doc = parser.iterate(text);
  derive::detail::ShuffleKeyScratch scratch;
  const derive::Read read = derive::detail::decode_read(doc.get_value().value(), scratch);
  EXPECT_EQ(read.transform, 2u);
  EXPECT_EQ(read.uuid.node, 12u);
  EXPECT_EQ(read.uuid.clock, 99u);
  EXPECT_EQ(read.shuffle_key, R"([1,"x"])");
  EXPECT_EQ(read.shuffle_hash, 5u);
  EXPECT_EQ(read.doc, R"({"a" : 1})");
  // No copies: the document view lies inside the parsed buffer.
  EXPECT_GE(read.doc.data(), text.data());
  EXPECT_LT(read.doc.data(), text.data() + text.size());
}

TEST(DeriveCodec, APackedOnlyShuffleKeyIsGivenAsAJsonArray) {
  // FDB tuple (1, "a", true): 0x15 0x01 | 0x02 'a' 0x00 | 0x27; base64 "FQECYQAn".
  with_value(R"({"shuffle":{"packed":"FQECYQAn","hash":9},"doc":{}})", [&](od::value value) {
    derive::detail::ShuffleKeyScratch scratch;
    const derive::Read read = derive::detail::decode_read(value, scratch);
    EXPECT_EQ(read.shuffle_key, R"([1,"a",true])");
    EXPECT_EQ(read.shuffle_hash, 9u);
  });
  // When both forms are sent, the JSON key is used as sent.
  with_value(R"({"shuffle":{"key":["b"],"packed":"FQE="},"doc":{}})", [&](od::value value) {
    derive::detail::ShuffleKeyScratch scratch;
    EXPECT_EQ(derive::detail::decode_read(value, scratch).shuffle_key, R"(["b"])");
  });
}

TEST(DeriveCodec, ABadPackedShuffleKeyNamesTheField) {
  for (const char* line : {R"({"shuffle":{"packed":"!!"},"doc":{}})",    // not base64
                           R"({"shuffle":{"packed":"Ag=="},"doc":{}})",  // a cut-off string
                           R"({"shuffle":{"packed":7},"doc":{}})"}) {    // not a string
    with_value(line, [&](od::value value) {
      derive::detail::ShuffleKeyScratch scratch;
      try {
        (void)derive::detail::decode_read(value, scratch);
        ADD_FAILURE() << "expected a DecodeError for " << line;
      } catch (const flow::detail::DecodeError& e) {
        EXPECT_NE(std::string(e.what()).find("read.shuffle.packed"), std::string::npos) << e.what();
      }
    });
  }
}

TEST(DeriveCodec, ReadWithWrongTypesNamesTheField) {
  with_value(R"({"transform":"x","doc":{}})", [&](od::value value) {
    try {
      derive::detail::ShuffleKeyScratch scratch;
      (void)derive::detail::decode_read(value, scratch);
      ADD_FAILURE() << "expected a DecodeError";
    } catch (const flow::detail::DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find("read.transform"), std::string::npos) << e.what();
    }
  });
}

TEST(DeriveCodec, EncodesResponsesCompactlyWithoutDefaultsOrNulls) {
  std::string out;
  derive::detail::encode_validated(
      out, {.transforms = {{}, {.read_only = true}}, .generated_files = {}});
  EXPECT_EQ(out, "{\"validated\":{\"transforms\":[{},{\"readOnly\":true}]}}\n");
  out.clear();
  derive::detail::encode_spec(out, {.config_schema = {{"type", "object"}},
                                    .lambda_config_schema = {{"type", "object"}},
                                    .documentation_url = "",
                                    .oauth2 = nullptr});
  EXPECT_EQ(out,
            "{\"spec\":{\"protocol\":3032023,\"configSchema\":{\"type\":\"object\"},"
            "\"resourceConfigSchema\":{\"type\":\"object\"}}}\n");
  out.clear();
  derive::detail::encode_flushed(out, std::nullopt);
  derive::detail::encode_started_commit(
      out, flow::ConnectorState{.updated = {{"k", nullptr}}, .merge_patch = true});
  derive::detail::encode_started_commit(
      out, flow::ConnectorState{.updated = {{"k", 1}}, .merge_patch = false});
  derive::detail::encode_published(out, R"({"a":"b"})");
  derive::detail::encode_opened(out);
  EXPECT_EQ(out,
            "{\"flushed\":{}}\n"
            "{\"startedCommit\":{\"state\":{\"updated\":{\"k\":null},\"mergePatch\":true}}}\n"
            "{\"startedCommit\":{\"state\":{\"updated\":{\"k\":1}}}}\n"
            "{\"published\":{\"doc\":{\"a\":\"b\"}}}\n"
            "{\"opened\":{}}\n");
}

TEST(DeriveCodec, ParsesStateDeliveryNames) {
  EXPECT_EQ(derive::parse_state_delivery("flushed"), derive::StateDelivery::kFlushed);
  EXPECT_EQ(derive::parse_state_delivery("FLUSHED"), derive::StateDelivery::kFlushed);
  EXPECT_EQ(derive::parse_state_delivery("started-commit"), derive::StateDelivery::kStartedCommit);
  EXPECT_EQ(derive::parse_state_delivery("v2"), std::nullopt);
}

}  // namespace
