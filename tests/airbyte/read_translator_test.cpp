// SPDX-License-Identifier: Apache-2.0
// Unit tests of ReadTranslator: Airbyte read lines in, captured/checkpoint out.
#include <gtest/gtest.h>

#include <common/json_depth.hpp>
#include <flow/airbyte/read_translator.hpp>
#include <flow/error.hpp>
#include <string>
#include <vector>

namespace fa = flow::airbyte;
using nlohmann::json;

namespace {

/// Records what the translator emits, one string per message.
class RecordingSink final : public fa::ReadSink {
 public:
  void captured(std::uint32_t binding, std::string_view doc) override {
    out.push_back("captured " + std::to_string(binding) + " " + std::string(doc));
  }
  void checkpoint(std::string_view patch) override {
    out.push_back("checkpoint " + std::string(patch));
  }
  std::vector<std::string> out;
};

class RecordingEvents final : public fa::ReadEvents {
 public:
  void on_config_update(const json& config) override { configs.push_back(config); }
  std::vector<json> configs;
};

/// Feeds lines through a LineReader-like padded buffer.
void feed(fa::ReadTranslator& reader,
          const std::vector<std::string>& lines,
          bool last_terminated = true) {
  std::size_t number = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string padded = lines[i] + std::string(flow::LineReader::kLinePadding, '\0');
    flow::Line line;
    line.text = std::string_view(padded.data(), lines[i].size());
    line.capacity = padded.size();
    line.number = ++number;
    line.terminated = last_terminated || i + 1 < lines.size();
    reader.handle(line);
  }
}

std::vector<fa::ReadBinding> bindings() {
  return {{"users", "", "users.v1", fa::RowIdMode::none},
          {"events", "", "events.v1", fa::RowIdMode::per_sweep},
          {"items", "shop", "items.v1", fa::RowIdMode::persistent}};
}

}  // namespace

TEST(AirbyteReadTranslator, SplicesRecordDataRawWithMeta) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  reader.begin_sweep();
  feed(
      reader,
      {
          R"({"type":"RECORD","record":{"stream":"users","data":{"id":1, "n":"é\"x"},"emitted_at":1}})",
          // Field order does not matter, and `type` may come last (Faros' CDK writes it so).
          R"({"record":{"emitted_at":2,"data":{"id":2},"stream":"users"},"type":"RECORD"})",
          R"({"type":"RECORD","record":{"stream":"events","data":{}}})",
          R"({"type":"RECORD","record":{"stream":"events","data":{"k":[1,2]}}})",
          R"({"type":"RECORD","record":{"namespace":"shop","stream":"items","data":{"sku":"a"}}})",
      });
  reader.end_sweep();
  EXPECT_EQ(sink.out,
            (std::vector<std::string>{R"(captured 0 {"id":1, "n":"é\"x","_meta":{"op":"u"}})",
                                      R"(captured 0 {"id":2,"_meta":{"op":"u"}})",
                                      R"(captured 1 {"_meta":{"op":"u","row_id":0}})",
                                      R"(captured 1 {"k":[1,2],"_meta":{"op":"u","row_id":1}})",
                                      R"(captured 2 {"sku":"a","_meta":{"op":"u","row_id":0}})",
                                      R"(checkpoint {})"}));
  EXPECT_EQ(reader.records(), 5u);
}

TEST(AirbyteReadTranslator, RowIdsRestartEachSweepOnlyForFullRefresh) {
  RecordingSink sink;
  auto stored = json::parse(R"({"bindingStateV1":{"items.v1":{"rowId":40}}})");
  fa::ReadTranslator reader(bindings(), stored, sink, nullptr);
  for (int sweep = 0; sweep < 2; ++sweep) {
    reader.begin_sweep();
    feed(reader,
         {R"({"type":"RECORD","record":{"stream":"events","data":{"a":1}}})",
          R"({"type":"RECORD","record":{"stream":"items","namespace":"shop","data":{"a":1}}})"});
    reader.end_sweep();
  }
  EXPECT_EQ(sink.out[0], R"(captured 1 {"a":1,"_meta":{"op":"u","row_id":0}})");
  EXPECT_EQ(sink.out[1], R"(captured 2 {"a":1,"_meta":{"op":"u","row_id":40}})");
  EXPECT_EQ(sink.out[3], R"(captured 1 {"a":1,"_meta":{"op":"u","row_id":0}})");
  EXPECT_EQ(sink.out[4], R"(captured 2 {"a":1,"_meta":{"op":"u","row_id":41}})");
}

TEST(AirbyteReadTranslator, UpstreamMetaIsKeptAndOursWins) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  feed(
      reader,
      {R"({"type":"RECORD","record":{"stream":"events","data":{"_meta":{"src":"x","op":"c"},"a":1}}})",
       R"({"type":"RECORD","record":{"stream":"users","data":{"_meta":5}}})"});
  EXPECT_EQ(json::parse(sink.out[0].substr(10)),
            json::parse(R"({"_meta":{"src":"x","op":"u","row_id":0},"a":1})"));
  EXPECT_EQ(json::parse(sink.out[1].substr(10)),
            json::parse(R"({"_meta":{"upstream":5,"op":"u"}})"));
}

// Only the record's own `_meta` key counts, however it is escaped: an escaped one is merged
// (splicing ours after it would give the document two `_meta` keys), while a nested `_meta`
// or a string "_meta" leaves the record to be spliced raw.
TEST(AirbyteReadTranslator, OnlyATopLevelMetaKeyIsUpstreamMeta) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  feed(reader,
       {R"({"type":"RECORD","record":{"stream":"events","data":{"\u005fmeta":{"src":"x"},"a":1}}})",
        R"({"type":"RECORD","record":{"stream":"events","data":{"n":{"_meta":1},"s":"_meta"}}})"});
  ASSERT_EQ(sink.out.size(), 2U);
  EXPECT_EQ(json::parse(sink.out[0].substr(10)),
            json::parse(R"({"_meta":{"src":"x","op":"u","row_id":0},"a":1})"));
  EXPECT_EQ(sink.out[1],
            R"(captured 1 {"n":{"_meta":1},"s":"_meta","_meta":{"op":"u","row_id":1}})");
}

// `data` is validated in the same pass that reads the message, and its raw text ends where
// that pass stands after it: fields after it and whitespace are not part of it, and a `}`
// inside a string does not end it. Corrupt data never reaches the sink, and the lines after
// it are read as usual.
TEST(AirbyteReadTranslator, DataIsValidatedAndDelimitedInOnePass) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  feed(
      reader,
      {R"({"type":"RECORD","record":{"stream":"users","data":{"n":[1,{"x":"}"}]} ,"emitted_at":5}})",
       R"({"type":"RECORD","record":{"stream":"users","data":{"id":tru}}})",
       R"({"type":"RECORD","record":{"data":{"id":2},"stream":"users"}})"});
  ASSERT_EQ(sink.out.size(), 2U);
  EXPECT_EQ(sink.out[0], R"(captured 0 {"n":[1,{"x":"}"}],"_meta":{"op":"u"}})");
  EXPECT_EQ(sink.out[1], R"(captured 0 {"id":2,"_meta":{"op":"u"}})");
}

TEST(AirbyteReadTranslator, StateBecomesACheckpointOfThatBindingOnly) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  feed(
      reader,
      {R"({"type":"RECORD","record":{"stream":"users","data":{"id":1}}})",
       R"({"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},"stream_state":{"c":1}}}})",
       R"({"type":"RECORD","record":{"stream":"users","data":{"id":2}}})"});
  ASSERT_EQ(sink.out.size(), 3u);
  EXPECT_EQ(
      sink.out[1],
      R"(checkpoint {"airbyteStateType":"STREAM","bindingStateV1":{"users.v1":{"stream":{"stream_descriptor":{"name":"users"},"stream_state":{"c":1}}}}})");
  EXPECT_EQ(reader.states(), 1u);
}

TEST(AirbyteReadTranslator, UnknownStreamsAndMalformedLinesAreSkipped) {
  RecordingSink sink;
  RecordingEvents events;
  fa::ReadTranslator reader(bindings(), json::object(), sink, &events);
  feed(
      reader,
      {"Starting up...", "", "{not json",
       R"({"type":"RECORD","record":{"stream":"ghost","data":{"id":1}}})",
       R"({"type":"RECORD","record":{"stream":"users","data":[1]}})",
       R"({"type":"RECORD","record":{"data":{"id":1}}})",
       R"({"type":"CATALOG","catalog":{"streams":[]}})", R"({"type":"SPEC","spec":{}})",
       R"({"type":"CONNECTION_STATUS","connectionStatus":{}})", R"({"type":"WHATEVER"})",
       R"([1,2])",
       R"({"type":"CONTROL","control":{"type":"CONNECTOR_CONFIG","emitted_at":1,"connectorConfig":{"config":{"t":"n"}}}})",
       R"({"type":"TRACE","trace":{"type":"ANALYTICS","analytics":{"type":"a","value":"b"}}})",
       R"({"type":"LOG","log":{"level":"ERROR","message":"it broke"}})"});
  EXPECT_TRUE(sink.out.empty());
  EXPECT_EQ(reader.skipped_records(), 3u);
  ASSERT_EQ(events.configs.size(), 1u);
  EXPECT_EQ(events.configs[0], json({{"t", "n"}}));
  ASSERT_TRUE(reader.last_error().has_value());
  EXPECT_EQ(reader.last_error()->message, "it broke");
}

TEST(ShimJsonDepth, CountsBracketsOutsideStringsOnly) {
  using flow::shims::json_depth_within;
  EXPECT_TRUE(json_depth_within("", 0));
  EXPECT_TRUE(json_depth_within("[]", 1));
  EXPECT_FALSE(json_depth_within("[[]]", 1));
  EXPECT_TRUE(json_depth_within(R"({"a":[1],"b":{"c":2}})", 2));
  EXPECT_FALSE(json_depth_within(R"({"a":[1],"b":{"c":[2]}})", 2));
  EXPECT_TRUE(json_depth_within(R"({"a":"[[[{{{\"[[[\\"})", 1));
  EXPECT_FALSE(json_depth_within(R"({"a":"\\",[[]]})", 2));
  EXPECT_TRUE(flow::shims::parse_json(std::string(1000, '[') + std::string(1000, ']')).is_array());
  EXPECT_TRUE(
      flow::shims::parse_json(std::string(1001, '[') + std::string(1001, ']')).is_discarded());
}

// Fuzz finding: nlohmann::json copies and dumps recursively and the validator walk recursed
// per level, so a line of 100k '[' overflowed the stack. Lines nested deeper than
// kMaxJsonDepth are now skipped like lines that are not JSON; the rest of the stream goes on.
TEST(AirbyteReadTranslator, LinesNestedTooDeeplyAreSkipped) {
  auto arrays = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  auto objects = [](std::size_t depth) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) {
      text += R"({"a":)";
    }
    return text + "1" + std::string(depth, '}');
  };
  RecordingSink sink;
  RecordingEvents events;
  fa::ReadTranslator reader(bindings(), json::object(), sink, &events);
  reader.begin_sweep();
  const std::size_t limit = flow::shims::kMaxJsonDepth;
  feed(reader,
       {R"({"type":"RECORD","record":{"stream":"users","data":{"a":)" + arrays(100000) + "}}}",
        R"({"type":"RECORD","record":{"stream":"users","data":{"_meta":)" + arrays(100000) + "}}}",
        R"({"type":"STATE","state":{"type":"LEGACY","data":)" + objects(100000) + "}}",
        R"({"type":"TRACE","trace":{"type":"ERROR","error":{"message":)" + arrays(100000) + "}}}",
        R"({"type":"CONTROL","control":{"type":"CONNECTOR_CONFIG","connectorConfig":{"config":)" +
            objects(100000) + "}}}",
        // `data` itself is one level: limit - 1 arrays inside it reach the limit exactly.
        R"({"type":"RECORD","record":{"stream":"users","data":{"a":)" + arrays(limit - 1) + "}}}",
        R"({"type":"RECORD","record":{"stream":"users","data":{"a":)" + arrays(limit) + "}}}",
        R"({"type":"RECORD","record":{"stream":"users","data":{"id":1}}})"});
  ASSERT_EQ(sink.out.size(), 2u);
  EXPECT_EQ(sink.out[0].substr(0, 24), R"(captured 0 {"a":[[[[[[[[)");
  EXPECT_EQ(sink.out[1], R"(captured 0 {"id":1,"_meta":{"op":"u"}})");
  EXPECT_TRUE(events.configs.empty());
  EXPECT_FALSE(reader.last_error().has_value());
}

TEST(AirbyteReadTranslator, TraceErrorIsRememberedForTheFailure) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  feed(
      reader,
      {R"({"type":"TRACE","trace":{"type":"ERROR","emitted_at":1.0,"error":{"message":"bad config","failure_type":"config_error"}}})"});
  ASSERT_TRUE(reader.last_error().has_value());
  EXPECT_EQ(reader.last_error()->failure_type, "config_error");
  EXPECT_EQ(reader.last_error()->message, "configuration error: bad config");
}

TEST(AirbyteReadTranslator, AMessageCutOffAtEofIsAnError) {
  RecordingSink sink;
  fa::ReadTranslator reader(bindings(), json::object(), sink, nullptr);
  try {
    feed(reader,
         {R"({"type":"RECORD","record":{"stream":"users","data":{"id":1}}})",
          R"({"type":"RECORD","record":{"stream":"users","da)"},
         /*last_terminated=*/false);
    FAIL() << "expected a flow::Error";
  } catch (const flow::Error& e) {
    EXPECT_STREQ(
        e.what(),
        "child stdout ended in the middle of a message (line 2, 47 bytes without a newline)");
  }
  EXPECT_EQ(sink.out.size(), 1u);
}
