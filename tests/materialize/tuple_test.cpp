// SPDX-License-Identifier: Apache-2.0
// The FDB tuple codec against byte strings derived by hand from the tuple-layer spec.
// Each expected string says how it was derived.

#include <gtest/gtest.h>

#include <cmath>
#include <flow/tuple.hpp>
#include <limits>
#include <string>

#include "core/base64.hpp"

namespace {

using flow::tuple::Element;
using flow::tuple::Kind;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) {
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::string json_of(const std::string& packed) {
  std::string out;
  flow::tuple::append_json_array(out, packed);
  return out;
}

void expect_round_trip(const Element& element, const std::string& expected) {
  SCOPED_TRACE(flow::tuple::element_json(element));
  EXPECT_EQ(flow::tuple::pack({element}), expected);
  const auto decoded = flow::tuple::unpack(expected);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0], element);
}

TEST(TupleCodec, NullIsSingleZeroByte) {
  // Code 0x00 alone at top level.
  expect_round_trip(Element::null(), bytes({0x00}));
  EXPECT_EQ(json_of(bytes({0x00})), "[null]");
}

TEST(TupleCodec, StringIsTerminatedAndEscapesNul) {
  // 0x02, UTF-8 bytes 'h' 'i', terminator 0x00.
  expect_round_trip(Element::string("hi"), bytes({0x02, 'h', 'i', 0x00}));
  // An embedded NUL becomes 0x00 0xff so it cannot be mistaken for the terminator.
  expect_round_trip(Element::string(std::string("a\0b", 3)),
                    bytes({0x02, 'a', 0x00, 0xff, 'b', 0x00}));
  EXPECT_EQ(json_of(bytes({0x02, 'a', 0x00, 0xff, 'b', 0x00})), R"(["a\u0000b"])");
  // Quotes and control characters are JSON-escaped.
  EXPECT_EQ(json_of(bytes({0x02, '"', '\n', 0x00})), R"(["\"\n"])");
  // Multi-byte UTF-8 (é = c3 a9) passes through.
  EXPECT_EQ(json_of(bytes({0x02, 0xc3, 0xa9, 0x00})), "[\"\xc3\xa9\"]");
}

TEST(TupleCodec, BytesEscapeNulLikeStrings) {
  // 0x01, 'a', NUL escaped as 0x00 0xff, 'b', terminator.
  expect_round_trip(Element::bytes(std::string("a\0b", 3)),
                    bytes({0x01, 'a', 0x00, 0xff, 'b', 0x00}));
  // Bytes that are not JSON text come out as base64: "a\0b" = 61 00 62 → "YQBi".
  EXPECT_EQ(json_of(bytes({0x01, 'a', 0x00, 0xff, 'b', 0x00})), R"(["YQBi"])");
}

TEST(TupleCodec, ObjectsAndArraysTravelAsBytesOfJson) {
  // Flow packs {"b":2} as 0x01 + its compact JSON text + 0x00; the JSON form splices it.
  std::string packed = bytes({0x15, 0x01, 0x02, 'a', 0x00, 0x01});
  packed += R"({"b":2})";
  packed += bytes({0x00, 0x01});
  packed += "[1,[2]]";
  packed += bytes({0x00});
  EXPECT_EQ(json_of(packed), R"([1,"a",{"b":2},[1,[2]]])");
  // And the encoder produces exactly that from JSON values.
  EXPECT_EQ(
      flow::tuple::pack_json({1, "a", nlohmann::json{{"b", 2}}, nlohmann::json::parse("[1,[2]]")}),
      packed);
}

TEST(TupleCodec, SmallPositiveIntegers) {
  // Zero is the bare code 0x14; positive n-byte magnitudes use 0x14+n then big-endian bytes.
  expect_round_trip(Element::integer(0), bytes({0x14}));
  expect_round_trip(Element::integer(1), bytes({0x15, 0x01}));
  expect_round_trip(Element::integer(255), bytes({0x15, 0xff}));
  expect_round_trip(Element::integer(256), bytes({0x16, 0x01, 0x00}));
  expect_round_trip(Element::integer(0x123456), bytes({0x17, 0x12, 0x34, 0x56}));
}

TEST(TupleCodec, NegativeIntegersUseOnesComplement) {
  // -1: magnitude 1 needs 1 byte → code 0x14-1 = 0x13, byte ~0x01 = 0xfe.
  expect_round_trip(Element::integer(-1), bytes({0x13, 0xfe}));
  // -255: 1 byte, ~0xff = 0x00.
  expect_round_trip(Element::integer(-255), bytes({0x13, 0x00}));
  // -256: magnitude 0x0100 needs 2 bytes → 0x12, ~0x0100 = 0xfe 0xff.
  expect_round_trip(Element::integer(-256), bytes({0x12, 0xfe, 0xff}));
  // -1000: 1000 = 0x03e8 → 0x12, ~ = 0xfc 0x17.
  expect_round_trip(Element::integer(-1000), bytes({0x12, 0xfc, 0x17}));
  EXPECT_EQ(json_of(bytes({0x12, 0xfc, 0x17, 0x13, 0xfe})), "[-1000,-1]");
}

TEST(TupleCodec, SixtyFourBitExtremes) {
  // INT64_MAX = 0x7fff…ff: 8 bytes → 0x1c.
  expect_round_trip(Element::integer(std::numeric_limits<std::int64_t>::max()),
                    bytes({0x1c, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  // INT64_MIN: magnitude 0x8000…00 → 0x0c, ~magnitude = 0x7fff…ff.
  expect_round_trip(Element::integer(std::numeric_limits<std::int64_t>::min()),
                    bytes({0x0c, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  // UINT64_MAX (Flow packs u64 above INT64_MAX like this): 0x1c then eight 0xff.
  expect_round_trip(Element::unsigned_integer(std::numeric_limits<std::uint64_t>::max()),
                    bytes({0x1c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  // -(2^64-1): the most negative the fixed codes can hold: 0x0c then eight 0x00.
  expect_round_trip(Element::integer(true, std::numeric_limits<std::uint64_t>::max()),
                    bytes({0x0c, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(json_of(bytes({0x1c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            "[18446744073709551615]");
  EXPECT_EQ(json_of(bytes({0x0c, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            "[-9223372036854775808]");
  EXPECT_EQ(flow::tuple::unpack(bytes({0x0c, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))[0]
                .as_int64(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_THROW(
      (void)Element::unsigned_integer(std::numeric_limits<std::uint64_t>::max()).as_int64(),
      flow::tuple::TupleError);
}

TEST(TupleCodec, ArbitraryLengthIntegersWithin64Bits) {
  // 0x1d, length byte 2, magnitude 0x0100 = 256.
  EXPECT_EQ(json_of(bytes({0x1d, 0x02, 0x01, 0x00})), "[256]");
  // Nine bytes with a leading zero still fit: 2^64-1.
  EXPECT_EQ(json_of(bytes({0x1d, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            "[18446744073709551615]");
  // 0x0b: the length byte is complemented (~2 = 0xfd), and so are the magnitude bytes
  // (~0x0100 = 0xfe 0xff): -256.
  EXPECT_EQ(json_of(bytes({0x0b, 0xfd, 0xfe, 0xff})), "[-256]");
  const auto decoded = flow::tuple::unpack(bytes({0x0b, 0xfd, 0xfe, 0xff}));
  EXPECT_EQ(decoded[0], Element::integer(-256));
}

TEST(TupleCodec, IntegersWiderThan64BitsAreRejectedClearly) {
  // 2^64 = 0x01 followed by eight zero bytes: nine significant bytes.
  const std::string too_big = bytes({0x1d, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0});
  try {
    flow::tuple::unpack(too_big);
    FAIL() << "expected a TupleError";
  } catch (const flow::tuple::TupleError& e) {
    EXPECT_EQ(e.offset(), 0u);
    EXPECT_NE(std::string(e.what()).find("does not fit in 64 bits"), std::string::npos);
  }
  // -(2^64): length ~9 = 0xf6, magnitude bytes complemented: 0xfe then eight 0xff.
  EXPECT_THROW(json_of(bytes({0x0b, 0xf6, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
               flow::tuple::TupleError);
}

TEST(TupleCodec, DoublesUseSignFlipEncoding) {
  // 1.0 = 0x3ff0000000000000; positive, so only the sign bit flips → 0xbff0….
  expect_round_trip(Element::float64(1.0), bytes({0x21, 0xbf, 0xf0, 0, 0, 0, 0, 0, 0}));
  // -1.0 = 0xbff0000000000000; negative, so every bit flips → 0x400fffffffffffff.
  expect_round_trip(Element::float64(-1.0),
                    bytes({0x21, 0x40, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  // 0.0 → sign bit set: 0x8000000000000000.
  expect_round_trip(Element::float64(0.0), bytes({0x21, 0x80, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(json_of(bytes({0x21, 0xbf, 0xf8, 0, 0, 0, 0, 0, 0})), "[1.5]");
  EXPECT_EQ(json_of(flow::tuple::pack({Element::float64(0.1)})), "[0.1]");
  EXPECT_EQ(json_of(flow::tuple::pack({Element::float64(std::nan(""))})), R"(["NaN"])");
  EXPECT_EQ(json_of(flow::tuple::pack({Element::float64(-INFINITY)})), R"(["-Infinity"])");
}

TEST(TupleCodec, FloatsUseSignFlipEncoding) {
  // 1.0f = 0x3f800000 → 0xbf800000.
  expect_round_trip(Element::float32(1.0f), bytes({0x20, 0xbf, 0x80, 0x00, 0x00}));
  // -2.0f = 0xc0000000 → every bit flips → 0x3fffffff.
  expect_round_trip(Element::float32(-2.0f), bytes({0x20, 0x3f, 0xff, 0xff, 0xff}));
  // 0.1f prints in its shortest float form, not as the widened double.
  EXPECT_EQ(json_of(flow::tuple::pack({Element::float32(0.1f)})), "[0.1]");
}

TEST(TupleCodec, Booleans) {
  expect_round_trip(Element::from_bool(false), bytes({0x26}));
  expect_round_trip(Element::from_bool(true), bytes({0x27}));
  EXPECT_EQ(json_of(bytes({0x26, 0x27})), "[false,true]");
}

TEST(TupleCodec, Uuid) {
  std::array<std::uint8_t, 16> id{};
  for (std::uint8_t i = 0; i < 16; ++i) {
    id[i] = static_cast<std::uint8_t>(i * 17);  // 00 11 22 … ff
  }
  std::string expected = bytes({0x30});
  for (auto b : id) {
    expected.push_back(static_cast<char>(b));
  }
  expect_round_trip(Element::from_uuid(id), expected);
  EXPECT_EQ(json_of(expected), R"(["00112233-4455-6677-8899-aabbccddeeff"])");
}

TEST(TupleCodec, NestedTupleEscapesNullInside) {
  // 0x05, 1 (0x15 0x01), null inside a nested tuple (0x00 0xff), "a" (0x02 'a' 0x00), end 0x00.
  const Element nested =
      Element::nested({Element::integer(1), Element::null(), Element::string("a")});
  const std::string expected = bytes({0x05, 0x15, 0x01, 0x00, 0xff, 0x02, 'a', 0x00, 0x00});
  expect_round_trip(nested, expected);
  EXPECT_EQ(json_of(expected), R"([[1,null,"a"]])");
  // Nesting in nesting, followed by a top-level element.
  const Element deep = Element::nested({Element::nested({}), Element::from_bool(true)});
  const std::string deep_bytes = bytes({0x05, 0x05, 0x00, 0x27, 0x00});
  expect_round_trip(deep, deep_bytes);
  EXPECT_EQ(json_of(deep_bytes + bytes({0x14})), "[[[],true],0]");
}

TEST(TupleCodec, ProtocolExampleKeys) {
  // PROTOCOL.md §4.6: keyPacked "FQE=" and valuesPacked "FQc=".
  std::string key;
  ASSERT_TRUE(flow::detail::base64_decode(key, "FQE="));
  EXPECT_EQ(key, bytes({0x15, 0x01}));
  EXPECT_EQ(json_of(key), "[1]");
  std::string values;
  ASSERT_TRUE(flow::detail::base64_decode(values, "FQc="));
  EXPECT_EQ(json_of(values), "[7]");
}

TEST(TupleCodec, MixedTupleRoundTrips) {
  const std::vector<Element> elements = {
      Element::null(),
      Element::bytes(std::string("\0\xff\0", 3)),
      Element::string("x\0y"),
      Element::integer(-70000),
      Element::integer(70000),
      Element::float32(-0.5f),
      Element::float64(1e300),
      Element::from_bool(true),
      Element::nested({Element::null(), Element::nested({Element::integer(-1)})}),
  };
  EXPECT_EQ(flow::tuple::unpack(flow::tuple::pack(elements)), elements);
  // Every integer from -70000 to 70000 in steps that cross each byte boundary.
  for (std::int64_t v = -70000; v <= 70000; v += 7) {
    const std::string packed = flow::tuple::pack({Element::integer(v)});
    ASSERT_EQ(flow::tuple::unpack(packed)[0].as_int64(), v);
    ASSERT_EQ(json_of(packed), "[" + std::to_string(v) + "]");
  }
}

TEST(TupleCodec, PackedOrderMatchesNumericOrder) {
  // The point of the encodings: byte order equals value order.
  const std::vector<std::int64_t> ints = {
      std::numeric_limits<std::int64_t>::min(), -65536, -256, -255, -1, 0, 1, 255, 256, 65536,
      std::numeric_limits<std::int64_t>::max()};
  for (std::size_t i = 1; i < ints.size(); ++i) {
    EXPECT_LT(flow::tuple::pack({Element::integer(ints[i - 1])}),
              flow::tuple::pack({Element::integer(ints[i])}))
        << ints[i - 1] << " < " << ints[i];
  }
  const std::vector<double> doubles = {-1e10, -1.5, -0.0, 0.0, 1e-10, 2.5, 1e300};
  for (std::size_t i = 1; i < doubles.size(); ++i) {
    EXPECT_LT(flow::tuple::pack({Element::float64(doubles[i - 1])}),
              flow::tuple::pack({Element::float64(doubles[i])}));
  }
}

TEST(TupleCodec, MalformedInputIsRejectedWithOffset) {
  auto expect_error = [](const std::string& packed, std::size_t offset, const char* text) {
    try {
      flow::tuple::unpack(packed);
      ADD_FAILURE() << "expected a TupleError for " << text;
    } catch (const flow::tuple::TupleError& e) {
      EXPECT_EQ(e.offset(), offset) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
    std::string json;
    EXPECT_THROW(flow::tuple::append_json_array(json, packed), flow::tuple::TupleError);
  };
  expect_error(bytes({0x15, 0x01, 0x40}), 2, "unsupported type code 0x40");
  expect_error(bytes({0x16, 0x01}), 1, "truncated");
  expect_error(bytes({0x02, 'a', 'b'}), 1, "unterminated");
  expect_error(bytes({0x21, 0x00}), 1, "truncated");
  expect_error(bytes({0x30, 0x01}), 1, "truncated");
  expect_error(bytes({0x05, 0x15, 0x01}), 3, "truncated");
  // A string element is UTF-8 (type 0x02); a lone continuation byte is not, and splicing it
  // would make the JSON form invalid. The offset is the element's type code.
  expect_error(bytes({0x15, 0x01, 0x02, 'a', 0x9e, 0x00}), 2, "not valid UTF-8");
  // A truncated two-byte sequence before an escaped NUL.
  expect_error(bytes({0x02, 0xc3, 0x00, 0xff, 0xa9, 0x00}), 0, "not valid UTF-8");
}

TEST(TupleCodec, BytesThatAreNotOneJsonContainerBecomeBase64) {
  // Bytes that start like an object or array but are not one complete JSON value are not
  // spliced, so the JSON array stays valid: "{a" = 7b 61 → "e2E=", "[1]x" → "WzFdeA==".
  EXPECT_EQ(json_of(bytes({0x01, '{', 'a', 0x00})), R"(["e2E="])");
  EXPECT_EQ(json_of(bytes({0x01, '[', '1', ']', 'x', 0x00})), R"(["WzFdeA=="])");
  // Invalid UTF-8 inside the JSON text: "[\"\x9e\"]" = 5b 22 9e 22 5d → "WyKeIl0=".
  EXPECT_EQ(json_of(bytes({0x01, '[', '"', 0x9e, '"', ']', 0x00})), R"(["WyKeIl0="])");
  // The same through element_json.
  EXPECT_EQ(flow::tuple::element_json(Element::bytes("{a")), R"("e2E=")");
  EXPECT_EQ(flow::tuple::element_json(Element::bytes(R"({"a":[]})")), R"({"a":[]})");
}

TEST(TupleCodec, JsonValuesPackAsFlowDoes) {
  // null, bool, signed, unsigned, double, string; each as hand-derived above.
  EXPECT_EQ(flow::tuple::pack_json({nullptr, false, true, -1, 1, 1.0, "hi"}),
            bytes({0x00, 0x26, 0x27, 0x13, 0xfe, 0x15, 0x01, 0x21, 0xbf, 0xf0,
                   0,    0,    0,    0,    0,    0,    0x02, 'h',  'i',  0x00}));
  EXPECT_EQ(
      json_of(flow::tuple::pack_json({nullptr, false, -1, 2.5, "q\"", nlohmann::json::array()})),
      R"([null,false,-1,2.5,"q\"",[]])");
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  const std::vector<std::string> texts = {"",    "a",    "ab",
                                          "abc", "abcd", std::string("\0\xff\x10", 3)};
  for (const std::string& text : texts) {
    std::string encoded;
    flow::detail::base64_encode(encoded, text);
    std::string decoded;
    ASSERT_TRUE(flow::detail::base64_decode(decoded, encoded));
    EXPECT_EQ(decoded, text);
  }
  std::string out;
  EXPECT_TRUE(flow::detail::base64_decode(out, "YWI"));  // unpadded "ab"
  EXPECT_EQ(out, "ab");
  out.clear();
  EXPECT_FALSE(flow::detail::base64_decode(out, "Y*=="));
  EXPECT_FALSE(flow::detail::base64_decode(out, "YWJjZ"));
}

}  // namespace

TEST(TupleCodec, DeeplyNestedTuplesAreAnErrorNotAStackOverflow) {
  // 0x05 opens a nested tuple; 32768 of them would recurse once each.
  const std::string deep(32768, '\x05');
  std::string json;
  EXPECT_THROW(flow::tuple::append_json_array(json, deep), flow::tuple::TupleError);
  EXPECT_THROW((void)flow::tuple::unpack(deep), flow::tuple::TupleError);
  // 99 levels are fine: [[[…null…]]].
  std::string ok(99, '\x05');
  ok += std::string(1, '\x00') + std::string(1, '\xff');
  ok += std::string(99, '\x00');
  json.clear();
  EXPECT_EQ(flow::tuple::append_json_array(json, ok), 1U);
  EXPECT_EQ(json, std::string(100, '[') + "null" + std::string(100, ']'));
}
