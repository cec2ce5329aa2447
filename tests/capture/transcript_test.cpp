// SPDX-License-Identifier: Apache-2.0
//
// Golden transcripts: transcripts/<case>.in.jsonl are the requests, <case>.out.jsonl the exact
// expected stdout, and <case>.error (when present) a substring the final error must contain.
// FLOW_UPDATE_GOLDEN=1 rewrites the .out.jsonl files from what serve() now produces.
//
// Every transcript runs twice: as JSON lines, comparing stdout byte for byte, and again under
// the protobuf codec (FLOW_RUNTIME_CODEC=proto), the requests converted to frames and the
// response frames compared with the golden lines message by message. A transcript whose
// input has no protobuf form (malformed JSON, a truncated line, an unknown request) is
// skipped under protobuf, with the reason.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "capture.pb.h"
#include "proto_transcript.hpp"
#include "test_connector.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> transcript_cases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(FLOW_TRANSCRIPTS_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".in.jsonl")) {
      cases.push_back(name.substr(0, name.size() - std::string(".in.jsonl").size()));
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class CaptureTranscript : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }
};

void expect_exit(const fs::path& dir,
                 const std::string& name,
                 const flow::testing::ServeResult& result) {
  const fs::path error_file = dir / (name + ".error");
  if (fs::exists(error_file)) {
    std::string expected = read_file(error_file);
    while (!expected.empty() && expected.back() == '\n') {
      expected.pop_back();
    }
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.error.find(expected), std::string::npos)
        << "error was: " << result.error << "\nexpected to contain: " << expected;
  } else {
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.error, "");
  }
}

TEST_P(CaptureTranscript, MatchesGoldenOutput) {
  const fs::path dir = FLOW_TRANSCRIPTS_DIR;
  const std::string name = GetParam();
  flow::testing::TestConnector connector;
  const auto result = flow::testing::serve_input(connector, read_file(dir / (name + ".in.jsonl")));

  const fs::path golden = dir / (name + ".out.jsonl");
  if (std::getenv("FLOW_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden, std::ios::binary) << result.output;
  }
  EXPECT_EQ(result.output, read_file(golden));
  expect_exit(dir, name, result);
}

// Serves case `name` under the protobuf codec with `buffers` and checks the response frames
// against the golden JSON output, message by message. False when the input has no protobuf
// form (malformed JSON, an unknown request), with the reason in `why`.
bool matches_golden_under_protobuf(const std::string& name,
                                   const flow::IoBufferSizes& buffers,
                                   std::string& why) {
  const fs::path dir = FLOW_TRANSCRIPTS_DIR;
  const std::string input = read_file(dir / (name + ".in.jsonl"));
  flowpb::capture::Request request;
  const auto frames = flow::testing::to_frames(input, request, why);
  if (!frames) {
    return false;
  }
  flow::testing::TestConnector connector;
  const auto result = flow::testing::serve_input(
      connector, *frames, {.codec = flow::Codec::protobuf, .buffers = buffers},
      input.find(R"({"open":)") != std::string::npos);
  flowpb::capture::Response response;
  EXPECT_EQ(
      flow::testing::frames_to_json(result.output, response),
      flow::testing::lines_to_normalized_json(read_file(dir / (name + ".out.jsonl")), response));
  expect_exit(dir, name, result);
  return true;
}

TEST_P(CaptureTranscript, MatchesGoldenOutputUnderProtobuf) {
  std::string why;
  if (!matches_golden_under_protobuf(GetParam(), {}, why)) {
    GTEST_SKIP() << "no protobuf form: " << why;
  }
}

// Cases whose expected error is a request that follows `open` and is read while pull() runs.
// pull() ends at once in these, and the reader stops reading when it does: with the default
// read block the request arrived in the same read as `open`, but with 16-byte reads whether it
// is read first is a race (and a request that was never read is rightly not acted on).
bool depends_on_reading_ahead(const std::string& name) {
  return name == "acknowledge-without-explicit-mode" || name == "request-after-open";
}

// Requests read 16 bytes at a time, so that every request spans reads, change nothing: the
// output is byte-identical, and so is the error, under both codecs.
TEST_P(CaptureTranscript, TinyReadBlocksChangeNothing) {
  const fs::path dir = FLOW_TRANSCRIPTS_DIR;
  const std::string name = GetParam();
  if (depends_on_reading_ahead(name)) {
    GTEST_SKIP() << "the expected error depends on reading ahead of pull()";
  }
  const flow::IoBufferSizes tiny_reads{.read_block = 16};
  flow::testing::TestConnector connector;
  const auto result = flow::testing::serve_input(connector, read_file(dir / (name + ".in.jsonl")),
                                                 {.buffers = tiny_reads});
  EXPECT_EQ(result.output, read_file(dir / (name + ".out.jsonl")));
  expect_exit(dir, name, result);
  std::string why;
  matches_golden_under_protobuf(name, tiny_reads, why);  // no protobuf form: JSON only
}

// With a 1-byte flush threshold every captured document is written as soon as it is
// captured. Where pull() fails or ends after documents it never checkpointed, those documents
// have then already gone out, as they do with production sizes once they outgrow the
// threshold; the runtime commits only what a checkpoint covers, so it discards them. The
// output is the expected one followed by nothing but `captured` responses.
TEST_P(CaptureTranscript, ImmediateFlushesAddOnlyUncheckpointedDocuments) {
  const fs::path dir = FLOW_TRANSCRIPTS_DIR;
  const std::string name = GetParam();
  flow::testing::TestConnector connector;
  const auto result = flow::testing::serve_input(connector, read_file(dir / (name + ".in.jsonl")),
                                                 {.buffers = {.flush_threshold = 1}});
  const std::string expected = read_file(dir / (name + ".out.jsonl"));
  ASSERT_EQ(result.output.substr(0, expected.size()), expected);
  std::istringstream extra(result.output.substr(expected.size()));
  for (std::string line; std::getline(extra, line);) {
    EXPECT_EQ(line.rfind(R"({"captured":)", 0), 0U) << "unexpected extra response: " << line;
  }
  expect_exit(dir, name, result);
}

INSTANTIATE_TEST_SUITE_P(Transcripts,
                         CaptureTranscript,
                         ::testing::ValuesIn(transcript_cases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
