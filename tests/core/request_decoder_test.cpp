// SPDX-License-Identifier: Apache-2.0
#include "core/request_decoder.hpp"

#include <gtest/gtest.h>

#include <flow/error.hpp>

namespace {

namespace od = flow::detail::od;

/// Holds a line with the padding LineReader would give it.
struct PaddedLine {
  explicit PaddedLine(std::string text) : storage(std::move(text)) {
    const auto size = storage.size();
    storage.append(flow::LineReader::kLinePadding, ' ');
    line = flow::Line{.text = std::string_view(storage.data(), size),
                      .capacity = storage.size(),
                      .number = 7,
                      .terminated = true};
  }
  std::string storage;
  flow::Line line;
};

template <class Fn>
void parse(const std::string& text, Fn&& fn) {
  flow::detail::RequestParser parser;
  PaddedLine padded(text);
  parser.parse(padded.line, fn);
}

TEST(RequestDecoder, ReadsIntegersGivenAsNumbersOrStrings) {
  parse(R"({"x":{"a":"18446744073709551615","b":42,"c":"-12","d":7}})",
        [](std::string_view kind, od::value body) {
          EXPECT_EQ(kind, "x");
          od::object object = flow::detail::get_object(body, "x");
          flow::detail::for_each_field(object, [](std::string_view key, od::value v) {
            if (key == "a") {
              EXPECT_EQ(flow::detail::get_u64(v, key), 18446744073709551615ULL);
            } else if (key == "b") {
              EXPECT_EQ(flow::detail::get_u32(v, key), 42U);
            } else if (key == "c") {
              EXPECT_EQ(flow::detail::get_i64(v, key), -12);
            } else {
              EXPECT_EQ(flow::detail::get_u64(v, key), 7U);
            }
          });
        });
}

TEST(RequestDecoder, RejectsA32BitOverflow) {
  EXPECT_THROW(parse(R"({"x":"4294967296"})",
                     [](std::string_view, od::value v) { flow::detail::get_u32(v, "x"); }),
               flow::ProtocolError);
}

TEST(RequestDecoder, DecodesBase64WithAndWithoutPadding) {
  parse(R"({"x":["VkseCQ==","FQE","","AAEC/+8="]})", [](std::string_view, od::value v) {
    od::array array;
    ASSERT_EQ(v.get_array().get(array), simdjson::SUCCESS);
    std::vector<std::string> decoded;
    for (auto element : array) {
      od::value value;
      ASSERT_EQ(element.get(value), simdjson::SUCCESS);
      decoded.push_back(flow::detail::get_bytes(value, "x"));
    }
    EXPECT_EQ(decoded[0], std::string("\x56\x4b\x1e\x09", 4));
    EXPECT_EQ(decoded[1], std::string("\x15\x01", 2));
    EXPECT_EQ(decoded[2], "");
    EXPECT_EQ(decoded[3], std::string("\x00\x01\x02\xff\xef", 5));
  });
}

TEST(RequestDecoder, SkipsInternalAndUnknownFieldsAndAcceptsProtoNames) {
  parse(
      R"({"$internal":"AAA=","x":{"name":"c","write_schema_json":{"type":"object"},"readSchema":{"a":1},"key":["/id"],"uuid_ptr":"/_meta/uuid","projections":[{"ptr":"/id","field":"id","is_primary_key":true,"futureField":[1,{"x":2}]}],"somethingNew":{"deep":[1,2,3]}}})",
      [](std::string_view kind, od::value body) {
        EXPECT_EQ(kind, "x");
        const auto collection = flow::detail::decode_collection(body);
        EXPECT_EQ(collection.name, "c");
        EXPECT_EQ(collection.write_schema, nlohmann::json({{"type", "object"}}));
        EXPECT_EQ(collection.effective_read_schema(), nlohmann::json({{"a", 1}}));
        EXPECT_EQ(collection.key, std::vector<std::string>{"/id"});
        EXPECT_EQ(collection.uuid_ptr, "/_meta/uuid");
        ASSERT_EQ(collection.projections.size(), 1U);
        EXPECT_TRUE(collection.projections[0].is_primary_key);
      });
}

TEST(RequestDecoder, DefaultsMissingRangeFieldsToTheFullRange) {
  parse(R"({"x":{"keyEnd":4294967295}})", [](std::string_view, od::value body) {
    const auto range = flow::detail::decode_range(body);
    EXPECT_EQ(range.key_begin, 0U);
    EXPECT_EQ(range.key_end, 0xffffffffU);
    EXPECT_EQ(range.r_clock_end, 0xffffffffU);
  });
}

TEST(RequestDecoder, KeepsRawJsonAsSent) {
  parse(R"({"x":{"doc":{"big":123456789012345678901234567890,"f":1.50}}})",
        [](std::string_view, od::value body) {
          od::object object = flow::detail::get_object(body, "x");
          flow::detail::for_each_field(object, [](std::string_view key, od::value v) {
            EXPECT_EQ(flow::detail::get_raw(v, key),
                      R"({"big":123456789012345678901234567890,"f":1.50})");
          });
        });
}

TEST(RequestDecoder, ErrorsNameTheLineAndTheProblem) {
  auto message_of = [](const std::string& text) {
    try {
      parse(text, [](std::string_view, od::value body) { flow::detail::decode_range(body); });
    } catch (const flow::ProtocolError& e) {
      EXPECT_EQ(e.line(), 7U);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message_of(R"({"x":{"keyEnd":true}})"),
            "stdin line 7: malformed request: field 'keyEnd': expected an unsigned integer "
            "(number or decimal string), found `true`");
  EXPECT_EQ(message_of(R"({"x":{}} trailing)").substr(0, 28), "stdin line 7: malformed JSON");
  EXPECT_EQ(message_of(R"({"x":{}} {"y":{}})"),
            "stdin line 7: malformed request: unexpected content after the request object");
  EXPECT_EQ(message_of("{}"),
            "stdin line 7: malformed request: request has no message (an empty object)");
  EXPECT_NE(message_of(R"({"x":{"keyEnd":1)").find("stdin line 7: malformed"), std::string::npos);
}

}  // namespace

TEST(RequestDecoder, DeeplyNestedJsonIsAnErrorNotAStackOverflow) {
  // A config of 30000 nested arrays: nlohmann::json would recurse once per level.
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  try {
    parse(R"({"x":)" + deep + "}",
          [](std::string_view, od::value v) { (void)flow::detail::get_json(v, "x"); });
    FAIL() << "expected a ProtocolError";
  } catch (const flow::ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("nested more than 1000 levels"), std::string::npos)
        << e.what();
  }
  // 1000 levels are fine.
  const std::string ok = std::string(1000, '[') + std::string(1000, ']');
  parse(R"({"x":)" + ok + "}", [](std::string_view, od::value v) {
    EXPECT_TRUE(flow::detail::get_json(v, "x").is_array());
  });
}
