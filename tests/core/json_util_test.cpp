// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <flow/json_util.hpp>

namespace {

using nlohmann::json;

TEST(MergePatch, FollowsRfc7396Examples) {
  // The test cases of RFC 7396 appendix A.
  const std::vector<std::tuple<const char*, const char*, const char*>> cases = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& [target, patch, expected] : cases) {
    json doc = json::parse(target);
    flow::json::merge_patch(doc, json::parse(patch));
    EXPECT_EQ(doc, json::parse(expected)) << target << " + " << patch;
  }
}

TEST(JsonPointer, EscapesTokens) {
  EXPECT_EQ(flow::json::escape_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(flow::json::make_pointer({"a/b", "~", "c"}), "/a~1b/~0/c");
}

TEST(JsonPointer, FindsValuesAndReportsAbsence) {
  const json doc = json::parse(R"({"a":{"b/c":[10,{"~d":true}]},"":1})");
  EXPECT_EQ(*flow::json::find_pointer(doc, "/a/b~1c/0"), 10);
  EXPECT_EQ(*flow::json::find_pointer(doc, "/a/b~1c/1/~0d"), true);
  EXPECT_EQ(*flow::json::find_pointer(doc, "/"), 1);
  EXPECT_EQ(flow::json::find_pointer(doc, ""), &doc);
  EXPECT_EQ(flow::json::find_pointer(doc, "/a/missing"), nullptr);
  EXPECT_EQ(flow::json::find_pointer(doc, "/a/b~1c/2"), nullptr);
  EXPECT_EQ(flow::json::find_pointer(doc, "/a/b~1c/01"), nullptr);
  EXPECT_EQ(flow::json::find_pointer(doc, "/a/b~1c/99999999999999999999999"), nullptr);
  EXPECT_EQ(flow::json::find_pointer(doc, "no-slash"), nullptr);
}

}  // namespace
