// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <flow/json_writer.hpp>
#include <nlohmann/json.hpp>

namespace {

std::string escaped(std::string_view text) {
  std::string out;
  flow::JsonWriter::append_escaped(out, text);
  return out;
}

TEST(JsonWriter, WritesNestedCompactJson) {
  std::string out;
  flow::JsonWriter w(out);
  w.begin_object().key("a").number(std::uint64_t{1}).key("b").begin_array();
  w.boolean(true).string("x").number(std::int64_t{-5}).number(0.5).raw(R"({"k":[]})");
  w.end_array().key("c").begin_object().end_object().end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[true,"x",-5,0.5,{"k":[]}],"c":{}})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(escaped("say \"hi\"\\"), R"(say \"hi\"\\)");
  EXPECT_EQ(escaped("a\nb\rc\td\be\ff"), R"(a\nb\rc\td\be\ff)");
  EXPECT_EQ(escaped(std::string("\x01\x1f\x00", 3)), R"(\u0001\u001f\u0000)");
}

TEST(JsonWriter, KeepsUnicodeAndDeleteAsTheyAre) {
  EXPECT_EQ(escaped("héllo ✓ 🎉 \x7f"), "héllo ✓ 🎉 \x7f");
}

TEST(JsonWriter, OutputParsesBackToTheSameStrings) {
  std::string all_bytes;
  for (int c = 1; c < 128; ++c) {
    all_bytes.push_back(static_cast<char>(c));
  }
  all_bytes += "ünïcödé";
  std::string out;
  flow::JsonWriter(out).begin_object().key(all_bytes).string(all_bytes).end_object();
  const auto parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed.begin().key(), all_bytes);
  EXPECT_EQ(parsed.begin().value(), all_bytes);
}

TEST(JsonWriter, WritesExtremeIntegersExactly) {
  std::string out;
  flow::JsonWriter(out)
      .begin_array()
      .number(std::uint64_t{18446744073709551615U})
      .number(std::int64_t{-9223372036854775807 - 1})
      .end_array();
  EXPECT_EQ(out, "[18446744073709551615,-9223372036854775808]");
}

TEST(JsonWriter, RejectsNonFiniteNumbers) {
  std::string out;
  flow::JsonWriter w(out);
  EXPECT_THROW(w.number(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(w.number(std::numeric_limits<double>::infinity()), std::invalid_argument);
}

}  // namespace
