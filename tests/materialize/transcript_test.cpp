// SPDX-License-Identifier: Apache-2.0
// Transcript tests: request lines in, exact response lines out, through serve() on real file
// descriptors, with an in-memory materialization that records what it is given.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <flow/error.hpp>
#include <flow/materialize.hpp>
#include <flow/tuple.hpp>
#include <map>
#include <string>
#include <vector>

#include "transcript_util.hpp"

namespace {

namespace m = flow::materialize;
using flow::materialize::testing::base64_of;
using flow::materialize::testing::lines;
using flow::materialize::testing::normalized;
using flow::materialize::testing::serve_transcript;

/// An in-memory table per binding: key JSON text → document text.
class MemoryMaterialization final : public m::Connector {
 public:
  std::vector<std::map<std::string, std::string>> tables;
  std::vector<std::string> log;  // one line per call, for asserting what the SDK passed
  std::vector<std::string> opened_collections;  // "<name> key <first key>" per opened binding
  nlohmann::json opened_sealed_config;          // Open::sealed_config, as open() got it
  bool misuse_sink_in_store = false;
  m::Loaded* saved_sink = nullptr;

  m::Spec spec(const m::SpecRequest& /*request*/) override {
    return {.config_schema = {{"type", "object"}},
            .resource_config_schema = {{"type", "object"},
                                       {"properties", {{"table", {{"x-collection-name", true}}}}}},
            .documentation_url = "https://example.com/memory"};
  }
  std::vector<m::ValidatedBinding> validate(const m::Validate& request) override {
    std::vector<m::ValidatedBinding> out;
    for (const auto& b : request.bindings) {
      out.push_back(m::optional_everything(b, {b.resource_config.value("table", "")}, true));
    }
    return out;
  }
  m::Applied apply(const m::Apply& request) override {
    std::string description = "apply";
    for (const auto& b : request.materialization.bindings) {
      description += " " + b.collection.name;
    }
    return {.action_description = description};
  }
  m::Opened open(const m::Open& request) override {
    tables.resize(request.materialization.bindings.size());
    log.push_back("open " + request.materialization.name);
    opened_sealed_config = request.sealed_config;
    for (const auto& b : request.materialization.bindings) {
      opened_collections.push_back(b.collection.name + " key " + b.collection.key.at(0));
    }
    return {.runtime_checkpoint = {{"sources", nlohmann::json::object()}}};
  }
  std::optional<flow::ConnectorState> acknowledge(const m::Acknowledge& /*request*/) override {
    log.push_back("acknowledge");
    return std::nullopt;
  }
  void load(const m::Load& request, m::Loaded& out) override {
    saved_sink = &out;
    log.push_back("load " + std::to_string(request.binding) + " " + std::string(request.key) +
                  (request.key_packed.empty() ? "" : " packed"));
    auto& table = tables.at(request.binding);
    if (auto it = table.find(std::string(request.key)); it != table.end()) {
      out.loaded(request.binding, it->second);
    }
  }
  std::optional<flow::ConnectorState> flush(const m::Flush& /*request*/,
                                            m::Loaded& /*out*/) override {
    log.push_back("flush");
    return std::nullopt;
  }
  void store(const m::Store& request) override {
    std::string fields;
    for (auto f : request.key_fields) {
      fields += std::string(f) + "|";
    }
    for (auto f : request.value_fields) {
      fields += std::string(f) + "|";
    }
    log.push_back("store " + std::to_string(request.binding) + " " + fields +
                  (request.exists ? " exists" : "") + (request.is_delete ? " delete" : ""));
    if (misuse_sink_in_store && saved_sink != nullptr) {
      saved_sink->loaded(request.binding, std::string_view(R"({"oops":1})"));
    }
    auto& table = tables.at(request.binding);
    if (request.is_delete) {
      table.erase(std::string(request.key));
    } else {
      table[std::string(request.key)] = std::string(request.doc);
    }
  }
  std::optional<flow::ConnectorState> start_commit(const m::StartCommit& request) override {
    log.push_back("startCommit " + std::string(request.runtime_checkpoint));
    return flow::ConnectorState{.updated = {{"committed", true}}, .merge_patch = true};
  }
};

// Two bindings: 0 is standard (key id, value amount, document), 1 is delta-updates.
const std::string kSpec =
    R"({"name":"acmeCo/mem","connectorType":"LOCAL","config":{},"bindings":[)"
    R"({"resourceConfig":{"table":"orders"},"resourcePath":["orders"],)"
    R"("collection":{"name":"acmeCo/orders","key":["/id"],"writeSchema":{"type":"object"}},)"
    R"("fieldSelection":{"keys":["id"],"values":["amount"],"document":"flow_document"}},)"
    R"({"resourceConfig":{"table":"events"},"resourcePath":["events"],"deltaUpdates":true,)"
    R"("collection":{"name":"acmeCo/events","key":["/id"],"writeSchema":{"type":"object"}},)"
    R"("fieldSelection":{"keys":["id"],"values":["kind","payload"]}}]})";

const std::string kOpen =
    R"({"open":{"materialization":)" + kSpec +
    R"(,"version":"v1","range":{"keyEnd":4294967295,"rClockEnd":4294967295}}})";

TEST(MaterializeTranscript, SpecHasProtocolAndNoResourcePathPointers) {
  MemoryMaterialization c;
  const std::string out = serve_transcript(
      c, lines({R"({"spec":{"connectorType":"IMAGE","config":{}}})",
                R"({"spec":{"connectorType":"IMAGE","config":{"x":1},"$internal":"AA=="}})"}));
  const std::string expected =
      R"({"spec":{"protocol":3032023,"configSchema":{"type":"object"},)"
      R"("resourceConfigSchema":{"properties":{"table":{"x-collection-name":true}},"type":"object"},)"
      R"("documentationUrl":"https://example.com/memory"}})"
      "\n";
  EXPECT_EQ(out, normalized(expected + expected));
  EXPECT_EQ(out.find("resourcePathPointers"), std::string::npos);
}

const std::string kValidate =
    R"({"validate":{"name":"acmeCo/mem","connectorType":"IMAGE","config":{},"bindings":[)"
    R"({"resourceConfig":{"table":"orders"},"collection":{"name":"acmeCo/orders","key":["/id"],)"
    R"("projections":[{"ptr":"/id","field":"id","isPrimaryKey":true,"inference":{"types":["integer"]}},)"
    R"({"field":"flow_document","inference":{"types":["object"]}},)"
    R"({"ptr":"/nothing","field":"nothing","inference":{"types":["null"]}}]},"groupBy":["id"]}]}})";

TEST(MaterializeTranscript, ValidatedListFormIsTheDefault) {
  MemoryMaterialization c;
  EXPECT_EQ(
      serve_transcript(c, lines({kValidate})),
      normalized(lines(
          {R"({"validated":{"bindings":[{"projectionConstraints":[)"
           R"({"field":"id","constraint":{"type":"LOCATION_REQUIRED","reason":"the collection key is materialized"}},)"
           R"({"field":"flow_document","constraint":{"type":"LOCATION_REQUIRED","reason":"the root document is materialized"}},)"
           R"({"field":"nothing","constraint":{"type":"FIELD_FORBIDDEN","reason":"a field that is always null"}}],)"
           R"("resourcePath":["orders"]}]}})"})));
}

TEST(MaterializeTranscript, ValidatedMapFormForOlderRuntimes) {
  MemoryMaterialization c;
  EXPECT_EQ(
      serve_transcript(c, lines({kValidate}), {.constraints_form = m::ConstraintsForm::map}),
      normalized(lines(
          {R"({"validated":{"bindings":[{"constraints":{)"
           R"("id":{"type":"LOCATION_REQUIRED","reason":"the collection key is materialized"},)"
           R"("flow_document":{"type":"LOCATION_REQUIRED","reason":"the root document is materialized"},)"
           R"("nothing":{"type":"FIELD_FORBIDDEN","reason":"a field that is always null"}},)"
           R"("resourcePath":["orders"]}]}})"})));
}

// kValidate again, with the runtime naming the collection by index into linkedCollections
// (the table after the bindings), and a second binding on index 0 (collectionIndex absent).
const std::string kValidateLinked =
    R"({"validate":{"name":"acmeCo/mem","connectorType":"IMAGE","config":{},"bindings":[)"
    R"({"resourceConfig":{"table":"orders"},"collectionIndex":1,"groupBy":["id"]},)"
    R"({"resourceConfig":{"table":"other"},"groupBy":["k"]}],"linkedCollections":[)"
    R"({"name":"acmeCo/other","key":["/k"],"projections":[{"ptr":"/k","field":"k","isPrimaryKey":true,)"
    R"("inference":{"types":["string"]}}]},)"
    R"({"name":"acmeCo/orders","key":["/id"],)"
    R"("projections":[{"ptr":"/id","field":"id","isPrimaryKey":true,"inference":{"types":["integer"]}},)"
    R"({"field":"flow_document","inference":{"types":["object"]}},)"
    R"({"ptr":"/nothing","field":"nothing","inference":{"types":["null"]}}]}]}})";

TEST(MaterializeTranscript, ValidateResolvesLinkedCollections) {
  MemoryMaterialization c;
  EXPECT_EQ(
      serve_transcript(c, lines({kValidateLinked})),
      normalized(lines(
          {R"({"validated":{"bindings":[{"projectionConstraints":[)"
           R"({"field":"id","constraint":{"type":"LOCATION_REQUIRED","reason":"the collection key is materialized"}},)"
           R"({"field":"flow_document","constraint":{"type":"LOCATION_REQUIRED","reason":"the root document is materialized"}},)"
           R"({"field":"nothing","constraint":{"type":"FIELD_FORBIDDEN","reason":"a field that is always null"}}],)"
           R"("resourcePath":["orders"]},)"
           R"({"projectionConstraints":[)"
           R"({"field":"k","constraint":{"type":"LOCATION_REQUIRED","reason":"the collection key is materialized"}}],)"
           R"("resourcePath":["other"]}]}})"})));
}

// kSpec with its collections moved into linkedCollections (in reverse order, so that the
// indices are not simply the binding positions).
const std::string kSpecLinked =
    R"({"name":"acmeCo/mem","connectorType":"LOCAL","config":{},"linkedCollections":[)"
    R"({"name":"acmeCo/events","key":["/id"],"writeSchema":{"type":"object"}},)"
    R"({"name":"acmeCo/orders","key":["/oid"],"writeSchema":{"type":"object"}}],"bindings":[)"
    R"({"resourceConfig":{"table":"orders"},"resourcePath":["orders"],"collectionIndex":1,)"
    R"("fieldSelection":{"keys":["id"],"values":["amount"],"document":"flow_document"}},)"
    R"({"resourceConfig":{"table":"events"},"resourcePath":["events"],"deltaUpdates":true,)"
    R"("collectionIndex":0,"fieldSelection":{"keys":["id"],"values":["kind","payload"]}}]})";

TEST(MaterializeTranscript, ApplyAndOpenResolveLinkedCollections) {
  MemoryMaterialization c;
  const std::string out = serve_transcript(
      c, lines({R"({"apply":{"materialization":)" + kSpecLinked + R"(,"version":"v1"}})",
                R"({"open":{"materialization":)" + kSpecLinked +
                    R"(,"version":"v1","range":{"keyEnd":4294967295,"rClockEnd":4294967295}}})"}));
  EXPECT_EQ(
      out,
      normalized(lines({R"({"applied":{"actionDescription":"apply acmeCo/orders acmeCo/events"}})",
                        R"({"opened":{"runtimeCheckpoint":{"sources":{}}}})"})));
  EXPECT_EQ(c.opened_collections,
            (std::vector<std::string>{"acmeCo/orders key /oid", "acmeCo/events key /id"}));
}

// The as-published, still-encrypted config reaches open() (for restating in a configUpdate
// event); a runtime that does not send it leaves it null.
TEST(MaterializeTranscript, OpenPassesTheSealedConfig) {
  const std::string sealed =
      R"({"password_sops":"ENC[AES256_GCM,data:b3Blbg==,type:str]","sops":{"version":"3.7.3"}})";
  MemoryMaterialization c;
  serve_transcript(c, lines({R"({"open":{"materialization":)" + kSpecLinked +
                             R"(,"version":"v1","sealedConfig":)" + sealed + "}}"}));
  EXPECT_EQ(c.opened_sealed_config, nlohmann::json::parse(sealed));
  MemoryMaterialization without;
  serve_transcript(
      without, lines({R"({"open":{"materialization":)" + kSpecLinked + R"(,"version":"v1"}})"}));
  EXPECT_TRUE(without.opened_sealed_config.is_null());
}

TEST(MaterializeTranscript, LinkedCollectionIndexOutOfRangeNamesTheField) {
  MemoryMaterialization c;
  std::string spec = kSpecLinked;
  spec.replace(spec.find(R"("collectionIndex":0)"), 19, R"("collectionIndex":3)");
  try {
    serve_transcript(c, lines({R"({"open":{"materialization":)" + spec + R"(,"version":"v1"}})"}));
    ADD_FAILURE() << "expected an error";
  } catch (const flow::ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "open.materialization.bindings[1].collectionIndex 3 is out of range (2 linked "
                  "collections)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(c.opened_collections.empty());
}

std::string session_input(const std::string& key1,
                          const std::string& store1,
                          const std::string& store_delta,
                          const std::string& store2) {
  return lines({R"({"spec":{"connectorType":"IMAGE","config":{}}})", kOpen, R"({"acknowledge":{}})",
                // Transaction 1: one load (not found), then an insert and a delta append.
                R"({"load":{)" + key1 + "}}", R"({"flush":{}})", R"({"store":{)" + store1 + "}}",
                R"({"store":{"binding":1,)" + store_delta + "}}",
                R"({"startCommit":{"runtimeCheckpoint":{"sources":{"j":{"readThrough":"10"}}}}})",
                R"({"acknowledge":{}})",
                // Transaction 2: the load finds the document; then it is deleted.
                R"({"load":{)" + key1 + "}}", R"({"flush":{}})", R"({"store":{)" + store2 + "}}",
                R"({"startCommit":{}})", R"({"acknowledge":{}})"});
}

const std::string kSessionOutput = lines(
    {R"({"spec":{"protocol":3032023,"configSchema":{"type":"object"},)"
     R"("resourceConfigSchema":{"properties":{"table":{"x-collection-name":true}},"type":"object"},)"
     R"("documentationUrl":"https://example.com/memory"}})",
     R"({"opened":{"runtimeCheckpoint":{"sources":{}}}})", R"({"acknowledged":{}})",
     R"({"flushed":{}})",
     R"({"startedCommit":{"state":{"updated":{"committed":true},"mergePatch":true}}})",
     R"({"acknowledged":{}})", R"({"loaded":{"doc":{"id":1,"amount":5}}})", R"({"flushed":{}})",
     R"({"startedCommit":{"state":{"updated":{"committed":true},"mergePatch":true}}})",
     R"({"acknowledged":{}})"});

const std::vector<std::string> kSessionLog = {
    "open acmeCo/mem",
    "acknowledge",
    "load 0 [1]",
    "flush",
    "store 0 1|5|",
    R"(store 1 "e1"|"click"|{"x":[1,2]}|)",
    R"(startCommit {"sources":{"j":{"readThrough":"10"}}})",
    "acknowledge",
    "load 0 [1]",
    "flush",
    "store 0 1|7| exists delete",
    "startCommit {}",
    "acknowledge"};

TEST(MaterializeTranscript, FullSessionWithJsonKeys) {
  MemoryMaterialization c;
  const std::string out = serve_transcript(
      c, session_input(R"("key":[1])", R"("key":[1],"values":[5],"doc":{"id":1,"amount":5})",
                       R"("key":["e1"],"values":["click",{"x":[1,2]}])",
                       R"("key":[1],"values":[7],"exists":true,"delete":true)"));
  EXPECT_EQ(out, normalized(kSessionOutput));
  EXPECT_EQ(c.log, kSessionLog);
  EXPECT_TRUE(c.tables[0].empty());
  EXPECT_EQ(c.tables[1].size(), 1u);
}

TEST(MaterializeTranscript, TinyBuffersChangeNothing) {
  // A 16-byte read block splits every request across reads (and makes the reader compact and
  // grow); a 1-byte flush threshold writes every response as soon as it is complete. The
  // responses and what the connector sees are those of the production sizes.
  MemoryMaterialization c;
  const std::string out = serve_transcript(
      c,
      session_input(R"("key":[1])", R"("key":[1],"values":[5],"doc":{"id":1,"amount":5})",
                    R"("key":["e1"],"values":["click",{"x":[1,2]}])",
                    R"("key":[1],"values":[7],"exists":true,"delete":true)"),
      {.buffers = {.read_block = 16, .flush_threshold = 1}});
  EXPECT_EQ(out, normalized(kSessionOutput));
  EXPECT_EQ(c.log, kSessionLog);
}

TEST(MaterializeTranscript, FullSessionWithPackedTuples) {
  // The same session as the older runtimes send it: keyPacked/valuesPacked, with empty or
  // absent JSON arrays. The connector sees exactly the same keys and fields.
  using flow::tuple::pack_json;
  const std::string key1 = R"("keyPacked":")" + base64_of(pack_json({1})) + R"(")";
  MemoryMaterialization c;
  const std::string out = serve_transcript(
      c,
      session_input(key1,
                    key1 + R"(,"valuesPacked":")" + base64_of(pack_json({5})) +
                        R"(","doc":{"id":1,"amount":5})",
                    R"("keyPacked":")" + base64_of(pack_json({"e1"})) + R"(","valuesPacked":")" +
                        base64_of(pack_json({"click", nlohmann::json::parse(R"({"x":[1,2]})")})) +
                        R"(","key":[],"values":[])",
                    key1 + R"(,"valuesPacked":")" + base64_of(pack_json({7})) +
                        R"(","exists":true,"delete":true)"));
  EXPECT_EQ(out, normalized(kSessionOutput));
  std::vector<std::string> expected_log = kSessionLog;
  expected_log[2] += " packed";
  expected_log[8] += " packed";
  EXPECT_EQ(c.log, expected_log);
}

TEST(MaterializeTranscript, EofRightAfterAcknowledgeEndsCleanly) {
  MemoryMaterialization c;
  EXPECT_EQ(serve_transcript(c, lines({kOpen, R"({"acknowledge":{}})"})),
            normalized(lines(
                {R"({"opened":{"runtimeCheckpoint":{"sources":{}}}})", R"({"acknowledged":{}})"})));
}

// Runs `input` and expects a ProtocolError on `line` whose message contains `text`.
void expect_protocol_error(const std::string& input,
                           std::size_t line,
                           const std::string& text,
                           bool misuse_sink = false) {
  MemoryMaterialization c;
  c.misuse_sink_in_store = misuse_sink;
  try {
    serve_transcript(c, input);
    ADD_FAILURE() << "expected a ProtocolError containing: " << text;
  } catch (const flow::ProtocolError& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

const std::string kAckd = lines({kOpen, R"({"acknowledge":{}})"});

TEST(MaterializeTranscript, ProtocolViolationsNameTheLine) {
  expect_protocol_error(kAckd + lines({R"({"load":{"key":[1]}})"}), 3,
                        "stdin closed in the middle of a transaction");
  expect_protocol_error(kAckd + lines({R"({"store":{"key":[1],"values":[1]}})"}), 3,
                        "stores come after flushed");
  expect_protocol_error(kAckd + lines({R"({"bogus":{}})"}), 3,
                        "unknown materialize request 'bogus'");
  expect_protocol_error(kAckd + lines({R"({"load":{"key":[1]})"}), 3, "malformed");
  expect_protocol_error(kAckd + lines({R"({"load":{"binding":2,"key":[1]}})"}), 3,
                        "binding 2 is out of range");
  expect_protocol_error(kAckd + lines({R"({"load":{"binding":1,"key":["e"]}})"}), 3,
                        "delta-updates");
  expect_protocol_error(kAckd + lines({R"({"load":{"key":[1,2]}})"}), 3,
                        "key has 2 element(s) but binding 0's field selection has 1 key field");
  expect_protocol_error(kAckd + lines({R"({"load":{"keyPacked":"!!"}})"}), 3,
                        "keyPacked is not valid base64");
  expect_protocol_error(kAckd + lines({R"({"load":{"keyPacked":"QA=="}})"}), 3,
                        "unsupported type code 0x40");
  expect_protocol_error(lines({R"({"acknowledge":{}})"}), 1, "acknowledge before open");
  expect_protocol_error(lines({kOpen, R"({"spec":{}})"}), 2, "only accepted before open");
  expect_protocol_error(kAckd + lines({R"({"flush":{}})", R"({"store":{"key":[1],"values":[2]}})",
                                       R"({"acknowledge":{}})"}),
                        5, "acknowledge comes only after opened or startedCommit");
}

TEST(MaterializeTranscript, AMalformedLineChangesNothing) {
  // On-Demand sees the second message key only after the first body: the SDK must decode the
  // whole line before acting, so the flush below never reaches the connector.
  MemoryMaterialization c;
  EXPECT_THROW(serve_transcript(c, kAckd + lines({R"({"flush":{},"load":{"key":[1]}})"})),
               flow::ProtocolError);
  EXPECT_EQ(std::count(c.log.begin(), c.log.end(), "flush"), 0);
  MemoryMaterialization trailing;
  EXPECT_THROW(serve_transcript(trailing, kAckd + lines({R"({"flush":{}} {"flush":{}})"})),
               flow::ProtocolError);
  EXPECT_EQ(std::count(trailing.log.begin(), trailing.log.end(), "flush"), 0);
}

TEST(MaterializeTranscript, AMalformedOpenQuotesNoBytesBeyondTheLine) {
  // Fuzz finding (materialize_session, tests/fuzz/regressions): in this malformed open,
  // read as the fuzzer reads it (512-byte blocks), simdjson hands out a binding that lies
  // past the line's last token, with a garbage token length; quoting it in the error read
  // gigabytes past the line (SEGV). Now it is one protocol error naming the line. No
  // protobuf form: it runs as JSON in both runs.
  MemoryMaterialization c;
  // The reproducer's bytes exactly: the second line has no final newline.
  const std::string input =
      std::string(R"({"spec":{"delnpe":"IMAGE","values":{}}})") + "\n" +
      R"({"open":{"materialization":{"":},"bindings":[{"et":"":[so1111B11[1,2]}]})";
  try {
    serve_transcript(c, input, {.buffers = {.read_block = 512, .flush_threshold = 4096}});
    FAIL() << "expected a ProtocolError";
  } catch (const flow::ProtocolError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("stdin line 2: malformed", 0), 0u) << message;
    EXPECT_NE(message.find("the end of the input"), std::string::npos) << message;
  }
}

TEST(MaterializeTranscript, SinkMisuseDuringStoresIsRejected) {
  // The connector kept the Loaded sink from a load and calls it during a store.
  expect_protocol_error(kAckd + lines({R"({"load":{"key":[1]}})", R"({"flush":{}})",
                                       R"({"store":{"key":[1],"values":[2]}})"}),
                        5, "nothing may be sent during stores", true);
}

TEST(MaterializeTranscript, SplitJsonArray) {
  std::vector<std::string_view> parts;
  m::split_json_array(R"([1,"a,b\"]",{"c":[2,"]"]}, null ,[]])", parts);
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[0], "1");
  EXPECT_EQ(parts[1], R"("a,b\"]")");
  EXPECT_EQ(parts[2], R"({"c":[2,"]"]})");
  EXPECT_EQ(parts[3], "null");
  EXPECT_EQ(parts[4], "[]");
  parts.clear();
  m::split_json_array("[ ]", parts);
  EXPECT_TRUE(parts.empty());
}

}  // namespace
