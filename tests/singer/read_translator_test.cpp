// SPDX-License-Identifier: Apache-2.0
// The read translator on recorded Singer output (../shared/fixtures/singer) and on edge cases.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <flow/error.hpp>
#include <flow/singer/batch_file.hpp>
#include <flow/singer/read_translator.hpp>
#include <flow/singer/version_tracker.hpp>
#include <fstream>
#include <sstream>

#include "recording_sink.hpp"

namespace {

using nlohmann::json;
using namespace flow::singer;
using flow::singer::testing::feed;
using flow::singer::testing::RecordingSink;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<ReadBinding> csv_bindings() {
  return {{"items", "items", "items.v1", {"/id"}, "FULL_TABLE"},
          {"items_typed", "items_typed", "typed.v1", {"/id"}, "INCREMENTAL"}};
}

TEST(SingerRead, ReplaysTapCsvSync) {
  RecordingSink sink;
  ReadTranslator reader(csv_bindings(), json::object(), {}, sink);
  feed(reader, read_text(FLOW_SHARED_DIR "/fixtures/singer/tap-csv/sync.stdout.jsonl"));
  reader.finish();

  auto items = sink.docs(0);
  ASSERT_EQ(items.size(), 3U);
  EXPECT_EQ(items[1], json({{"id", "2"},
                            {"name", "beta, with comma"},
                            {"amount", "20"},
                            {"_meta", {{"op", "u"}, {"row_id", 1}}}}));
  auto typed = sink.docs(1);
  ASSERT_EQ(typed.size(), 3U);
  EXPECT_EQ(typed[2]["amount"], nullptr);
  EXPECT_EQ(typed[0]["amount"], 10.0);
  // Order: schema, 3 docs, checkpoint, schema, 3 docs, checkpoint, final checkpoint.
  std::vector<std::string> kinds;
  for (const auto& e : sink.events) {
    kinds.push_back(e.kind);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"sourcedSchema", "captured", "captured", "captured",
                                             "checkpoint", "sourcedSchema", "captured", "captured",
                                             "captured", "checkpoint", "checkpoint"}));
  EXPECT_EQ(sink.events[0].body["additionalProperties"], false);
  // The tap's state is {}: the checkpoints carry only the shim's counters.
  EXPECT_FALSE(sink.state.contains(kBindingStateKey));
  EXPECT_EQ(sink.state[kShimStateKey]["typed.v1"]["rowId"], 3);
  EXPECT_EQ(reader.stats().records, 6U);
}

TEST(SingerRead, ReplaysTapCsvSyncWithStateAndResumes) {
  RecordingSink sink;
  ReadTranslator reader(csv_bindings(), json::object(), {}, sink);
  feed(reader, read_text(FLOW_SHARED_DIR "/fixtures/singer/tap-csv/sync-with-state.stdout.jsonl"));
  reader.finish();
  EXPECT_EQ(sink.state[kBindingStateKey], json({{"items.v1", {{"replication_key_value", "2"}}}}));
  // Only the first STATE changed the bookmark.
  EXPECT_EQ(sink.events[4].body[kBindingStateKey]["items.v1"]["replication_key_value"], "2");
  EXPECT_FALSE(sink.events[9].body.contains(kBindingStateKey));

  // The next session hands the bookmark back, continues INCREMENTAL row ids, restarts
  // FULL_TABLE ones, and does not repeat an unchanged sourced schema.
  RecordingSink next;
  ReadTranslator resumed(csv_bindings(), sink.state, {}, next);
  EXPECT_EQ(resumed.tap_state(),
            json::parse(
                read_text(FLOW_SHARED_DIR "/fixtures/singer/tap-csv/sync-with-state.state.json")));
  feed(resumed, read_text(FLOW_SHARED_DIR "/fixtures/singer/tap-csv/sync-with-state.stdout.jsonl"));
  resumed.finish();
  EXPECT_EQ(next.count("sourcedSchema"), 0U);
  EXPECT_EQ(next.docs(0)[0]["_meta"]["row_id"], 0);
  EXPECT_EQ(next.docs(1)[0]["_meta"]["row_id"], 3);
}

TEST(SingerRead, ReplaysTargetCsvSmallInputWithVersionsAndTimeExtracted) {
  RecordingSink sink;
  ReadTranslator reader({{"orders", "orders", "orders", {"/id"}, "FULL_TABLE"}}, json::object(), {},
                        sink);
  feed(reader, read_text(FLOW_SHARED_DIR "/fixtures/singer/target-csv/small-input.stdin.jsonl"));
  reader.finish();
  auto docs = sink.docs(0);
  ASSERT_EQ(docs.size(), 3U);
  EXPECT_EQ(docs[2]["_meta"], json({{"op", "u"},
                                    {"row_id", 2},
                                    {"time_extracted", "2024-01-01T00:00:00.000000Z"},
                                    {"version", 1}}));
  EXPECT_EQ(docs[0]["meta"], json({{"color", "red"}}));
  EXPECT_EQ(sink.state[kBindingStateKey]["orders"], json({{"id", 3}}));
  // ACTIVATE_VERSION 1 came before its record: completed at exit, with nothing older to delete.
  EXPECT_EQ(reader.stats().deletions, 0U);
  EXPECT_EQ(sink.state[kShimStateKey]["orders"]["versions"], json({{"1", {{"[3]", 1}}}}));
}

TEST(SingerRead, CheckpointsNeverCoverUnwrittenDocumentsAndTrailingRecordsWaitForFinish) {
  RecordingSink sink;
  ReadTranslator reader({{"orders", "orders", "orders", {"/id"}, "INCREMENTAL"}}, json::object(),
                        {}, sink);
  feed(reader,
       read_text(FLOW_SHARED_DIR "/fixtures/singer/target-csv/state-then-record.stdin.jsonl"));
  ASSERT_EQ(sink.events.back().kind, "captured");  // record 2 is not yet committed
  reader.finish();
  EXPECT_EQ(sink.events.back().kind, "checkpoint");
  EXPECT_EQ(sink.state[kShimStateKey]["orders"]["rowId"], 2);
}

TEST(SingerRead, FailuresNameTheLine) {
  auto run = [](const std::string& text, ReadOptions options = {}) -> std::string {
    RecordingSink sink;
    ReadTranslator reader({{"orders", "orders", "orders", {"/id"}, "FULL_TABLE"}}, json::object(),
                          options, sink);
    try {
      feed(reader, text);
    } catch (const flow::Error& e) {
      return e.what();
    }
    return "";
  };
  const std::string schema =
      R"({"type":"SCHEMA","stream":"orders","schema":{"type":"object"},"key_properties":["id"]})";
  EXPECT_EQ(run(R"({"type":"RECORD","stream":"orders","record":{"id":1}})"),
            "tap stdout line 1: RECORD for stream 'orders' before its SCHEMA message");
  EXPECT_EQ(run(schema + "\n" + R"({"type":"RECORD","stream":"nope","record":{"id":1}})",
                {.skip_unknown_streams = false}),
            "tap stdout line 2: RECORD for stream 'nope', which no binding captures");
  EXPECT_EQ(run(schema + "\n" + R"({"type":"RECORD","stream":"nope","record":{"id":1}})"), "");
  EXPECT_NE(run(schema + "\nnot json at all").find("tap stdout line 2: malformed JSON"),
            std::string::npos);
  EXPECT_NE(run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"id":1)")
                .find("tap stdout line 2: malformed JSON"),
            std::string::npos);
  EXPECT_EQ(run(schema + "\n" + R"({"stream":"orders"})"),
            "tap stdout line 2: message has no \"type\": {\"stream\":\"orders\"}");
  EXPECT_EQ(run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":[1]})"),
            "tap stdout line 2: RECORD's \"record\" is not a JSON object");
  EXPECT_EQ(run(R"({"type":"STATE","value":3})").substr(0, 47),
            "tap stdout line 1: STATE value is not a JSON ob");
  EXPECT_EQ(
      run(R"({"type":"record","stream":"orders","record":{"id":1}})", {.require_schema = false}),
      "");
  // Records are validated in full before they are spliced (fuzz findings).
  EXPECT_EQ(
      run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"id":"1","a":tru}})"),
      "tap stdout line 2: the record of stream 'orders' is not valid JSON: "
      R"({"id":"1","a":tru})");
  EXPECT_NE(run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"id":"2",:1}})")
                .find("is not valid JSON"),
            std::string::npos);
  EXPECT_NE(run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"a":[1,2.e]}})")
                .find("is not valid JSON"),
            std::string::npos);
  EXPECT_NE(run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"a":"\q"}})")
                .find("is not valid JSON"),
            std::string::npos);
  EXPECT_EQ(run(schema + "\n" +
                R"({"type":"RECORD","stream":"orders","record":{"id":1},"time_extracted":5})"),
            "tap stdout line 2: \"time_extracted\" is not a string");
  // Unknown message types (the spec allows any) are skipped.
  EXPECT_EQ(run(R"({"type":"CUSTOM","x":1})"), "");
  // Nesting deeper than kMaxJsonDepth is an error, not a stack overflow (fuzz finding).
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(
      run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"id":)" + deep + "}}"),
      "tap stdout line 2: the record of stream 'orders' nests arrays or objects deeper "
      "than 1000 levels");
  EXPECT_EQ(run(R"({"type":"STATE","value":{"a":)" + deep + "}}").substr(0, 77),
            "tap stdout line 1: message nests arrays or objects deeper than 1000 levels: {");
  EXPECT_EQ(run(R"({"type":"SCHEMA","stream":"orders","schema":)" + deep + "}").substr(0, 63),
            "tap stdout line 1: message nests arrays or objects deeper than ");
  EXPECT_EQ(run(schema + "\n" + R"({"type":"RECORD","stream":"orders","record":{"id":)" +
                std::string(999, '[') + std::string(999, ']') + "}}"),
            "");
}

TEST(SingerRead, KeepsUpstreamMetaAndHandlesEmptyRecords) {
  RecordingSink sink;
  ReadTranslator reader({{"s", "s", "s", {"/_meta/row_id"}, "FULL_TABLE"}}, json::object(),
                        {.require_schema = false}, sink);
  feed(reader,
       "{\"type\":\"RECORD\",\"stream\":\"s\",\"record\":{}}\n"
       "{\"type\":\"RECORD\",\"stream\":\"s\",\"record\":{ \"a\" : 1 , \"_meta\":{\"src\":\"x\"} "
       "}}\n"
       "{\"record\":{\"a\" : [1, 2] }  ,\"stream\":\"s\",\"type\":\"RECORD\"}\n");
  EXPECT_EQ(sink.raw_docs[0], R"({"_meta":{"op":"u","row_id":0}})");
  EXPECT_EQ(sink.docs(0)[1],
            json({{"a", 1}, {"_meta", {{"src", "x"}, {"op", "u"}, {"row_id", 1}}}}));
  EXPECT_EQ(sink.raw_docs[2], R"({"a" : [1, 2],"_meta":{"op":"u","row_id":2}})");
}

// Only the record's own `_meta` key counts, however it is escaped: an escaped one is merged
// (splicing ours after it would give the document two `_meta` keys), while a nested `_meta`
// or a string "_meta" leaves the record to be spliced raw.
TEST(SingerRead, OnlyATopLevelMetaKeyIsUpstreamMeta) {
  RecordingSink sink;
  ReadTranslator reader({{"s", "s", "s", {"/_meta/row_id"}, "FULL_TABLE"}}, json::object(),
                        {.require_schema = false}, sink);
  feed(reader, R"({"type":"RECORD","stream":"s","record":{"\u005fmeta":{"src":"x"},"a":1}})"
               "\n"
               R"({"type":"RECORD","stream":"s","record":{"n":{"_meta":1},"s":"_meta"}})"
               "\n");
  ASSERT_EQ(sink.raw_docs.size(), 2U);
  EXPECT_EQ(json::parse(sink.raw_docs[0]),
            json({{"a", 1}, {"_meta", {{"src", "x"}, {"op", "u"}, {"row_id", 0}}}}));
  EXPECT_EQ(sink.raw_docs[1], R"({"n":{"_meta":1},"s":"_meta","_meta":{"op":"u","row_id":1}})");
}

TEST(SingerRead, MessagesMayNameTheStreamInsteadOfTheTapStreamId) {
  RecordingSink sink;
  ReadTranslator reader({{"public-orders", "orders", "k", {"/id"}, "FULL_TABLE"}}, json::object(),
                        {}, sink);
  feed(reader, R"({"type":"SCHEMA","stream":"orders","schema":{},"key_properties":["id"]})"
               "\n"
               R"({"type":"RECORD","stream":"public-orders","record":{"id":1}})"
               "\n"
               R"({"type":"RECORD","stream":"orders","record":{"id":2}})"
               "\n"
               R"({"type":"STATE","value":{"bookmarks":{"public-orders":{"id":2}}}})");
  EXPECT_EQ(sink.docs(0).size(), 2U);
  EXPECT_EQ(sink.state[kBindingStateKey]["k"], json({{"id", 2}}));
}

TEST(SingerRead, SourcedSchemaOnlyWhenItChanges) {
  RecordingSink sink;
  ReadTranslator reader({{"s", "s", "s", {"/id"}, "FULL_TABLE"}}, json::object(), {}, sink);
  const std::string a =
      R"({"type":"SCHEMA","stream":"s","schema":{"properties":{"id":{"type":"integer"}}},"key_properties":["id"]})";
  const std::string b =
      R"({"type":"SCHEMA","stream":"s","schema":{"properties":{"id":{"type":"integer"},"n":{"type":"string"}}},"key_properties":["id"]})";
  feed(reader, a + "\n" + a + "\n" + b + "\n" + a);
  EXPECT_EQ(sink.count("sourcedSchema"), 3U);
  EXPECT_EQ(sink.events[1].body["properties"].size(), 3U);
}

// Records of versions with ACTIVATE_VERSION after them (singer-io style).
TEST(SingerRead, ActivateVersionDeletesKeysMissingFromTheNewVersion) {
  const std::string schema =
      R"({"type":"SCHEMA","stream":"t","schema":{"properties":{"id":{"type":"integer"}}},"key_properties":["id"]})";
  auto record = [](int id, int version) {
    return R"({"type":"RECORD","stream":"t","record":{"id":)" + std::to_string(id) +
           R"(,"v":"x"},"version":)" + std::to_string(version) + "}\n";
  };
  RecordingSink sink;
  json state = json::object();
  {
    ReadTranslator reader({{"t", "t", "t", {"/id"}, "FULL_TABLE"}}, state, {}, sink);
    feed(reader, schema + "\n" + record(1, 100) + record(2, 100) + record(3, 100) +
                     R"({"type":"ACTIVATE_VERSION","stream":"t","version":100})" + "\n" +
                     R"({"type":"STATE","value":{"bookmarks":{"t":{"version":100}}}})");
    reader.finish();
    EXPECT_EQ(reader.stats().deletions, 0U);
    state = sink.state;
  }
  // Next session: version 200 is written in two halves with a crash in between.
  RecordingSink first_half;
  first_half.state = state;
  {
    ReadTranslator reader({{"t", "t", "t", {"/id"}, "FULL_TABLE"}}, state, {}, first_half);
    feed(reader, schema + "\n" + record(1, 200) +
                     R"({"type":"STATE","value":{"bookmarks":{"t":{"version":200,"last_pk":1}}}})" +
                     "\n" + record(9, 200));
    state = first_half.state;  // the last record never committed
  }
  RecordingSink second_half;
  second_half.state = state;
  ReadTranslator reader({{"t", "t", "t", {"/id"}, "FULL_TABLE"}}, state, {}, second_half);
  feed(reader, schema + "\n" + record(3, 200) +
                   R"({"type":"ACTIVATE_VERSION","stream":"t","version":200})" + "\n");
  reader.finish();
  // Key 1 came in the first half (persisted), key 3 now: only key 2 is gone.
  auto docs = second_half.docs(0);
  ASSERT_EQ(docs.size(), 2U);
  EXPECT_EQ(docs[1], json({{"id", 2}, {"_meta", {{"op", "d"}, {"version", 200}, {"row_id", -1}}}}));
  EXPECT_EQ(second_half.state[kShimStateKey]["t"]["versions"],
            json({{"200", {{"[1]", 1}, {"[3]", 1}}}}));
}

TEST(SingerRead, ActivateVersionSkipsDeletionsPastTheKeyBound) {
  RecordingSink sink;
  ReadTranslator reader({{"t", "t", "t", {"/_meta/row_id"}, "FULL_TABLE"}}, json::object(),
                        {.require_schema = false, .max_version_keys = 2}, sink);
  std::string text;
  for (int v : {1, 2}) {
    for (int i = 0; i < (v == 1 ? 3 : 1); ++i) {
      text += R"({"type":"RECORD","stream":"t","record":{},"version":)" + std::to_string(v) + "}\n";
    }
    text += R"({"type":"ACTIVATE_VERSION","stream":"t","version":)" + std::to_string(v) + "}\n";
  }
  feed(reader, text);
  reader.finish();
  EXPECT_EQ(reader.stats().deletions, 0U);
  EXPECT_EQ(sink.state[kShimStateKey]["t"]["versions"], json({{"2", {{"[3]", 1}}}}));
  EXPECT_EQ(sink.state[kShimStateKey]["t"]["overflowVersions"], json::object());
}

TEST(SingerVersionTracker, KeepsTwoVersionsAndPersistsIncrementally) {
  VersionTracker tracker(10);
  tracker.add(1, "[1]");
  tracker.add(1, "[2]");
  json persisted = tracker.take_patch();
  EXPECT_EQ(persisted, json({{"versions", {{"1", {{"[1]", 1}, {"[2]", 1}}}}}}));
  EXPECT_EQ(tracker.take_patch(), json::object());
  tracker.add(2, "[2]");
  tracker.add(3, "[5]");  // version 1 is forgotten: only two are kept
  json patch = tracker.take_patch();
  EXPECT_EQ(patch["versions"]["1"], nullptr);
  persisted.merge_patch(patch);

  VersionTracker restored(10);
  restored.load(persisted);
  EXPECT_EQ(restored.key_count(), 2U);
  auto result = restored.activate(3);
  EXPECT_EQ(result.deleted_keys, std::vector<std::string>{"[2]"});
  EXPECT_FALSE(restored.seen_in_session(3));
}

// Writes `text` gzip-compressed to `path`.
void write_gzip(const std::string& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(file);
}

TEST(SingerBatch, FileUris) {
  EXPECT_EQ(path_from_file_uri("file:///tmp/a%20b.jsonl"), "/tmp/a b.jsonl");
  EXPECT_EQ(path_from_file_uri("file://localhost/x"), "/x");
  EXPECT_THROW(path_from_file_uri("s3://bucket/x"), flow::Error);
  EXPECT_THROW(path_from_file_uri("file://relative"), flow::Error);
  EXPECT_THROW(path_from_file_uri("file:///bad%zz"), flow::Error);
}

TEST(SingerBatch, ReadsGzipAndPlainJsonlAndRejectsTruncation) {
  auto dir = std::filesystem::temp_directory_path() / ("singer-batch-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string gz = (dir / "part 1.jsonl.gz").string();
  std::string plain = (dir / "part2.jsonl").string();
  write_gzip(gz, "{\"id\":1}\n{\"id\":2}\n");
  std::ofstream(plain) << "{\"id\":3}";

  RecordingSink sink;
  ReadTranslator reader({{"t", "t", "t", {"/id"}, "FULL_TABLE"}}, json::object(), {}, sink);
  std::string batch =
      R"({"type":"BATCH","stream":"t","encoding":{"format":"jsonl","compression":"gzip"},"manifest":["file://)" +
      dir.string() + R"(/part%201.jsonl.gz","file://)" + plain + R"("],"version":5})";
  feed(reader, R"({"type":"SCHEMA","stream":"t","schema":{},"key_properties":["id"]})"
               "\n" +
                   batch);
  auto docs = reader.stats().batch_records;
  EXPECT_EQ(docs, 3U);
  EXPECT_EQ(sink.docs(0)[2],
            json({{"id", 3}, {"_meta", {{"op", "u"}, {"row_id", 2}, {"version", 5}}}}));

  // A missing file and a truncated gzip file are clear errors.
  std::string missing =
      R"({"type":"BATCH","stream":"t","encoding":{"format":"jsonl"},"manifest":["file:///nonexistent/x.jsonl"]})";
  try {
    feed(reader, missing);
    FAIL() << "no error";
  } catch (const flow::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "tap stdout line 1: cannot open BATCH file '/nonexistent/x.jsonl': No such file or "
              "directory");
  }
  std::string whole;
  {
    std::ifstream in(gz, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(gz, std::ios::binary) << whole.substr(0, whole.size() - 6);
  EXPECT_THROW(
      {
        BatchFile file(gz);
        while (file.next()) {
        }
      },
      flow::Error);
  std::string parquet =
      R"({"type":"BATCH","stream":"t","encoding":{"format":"parquet"},"manifest":[]})";
  EXPECT_THROW(feed(reader, parquet), flow::Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
