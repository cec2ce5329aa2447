// SPDX-License-Identifier: Apache-2.0
// Behaviour of capture::serve() beyond the golden transcripts: large inputs, buffering,
// stop on stdin EOF, and acknowledgements arriving while pull() runs.

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <flow/capture.hpp>
#include <flow/error.hpp>
#include <thread>

#include "test_connector.hpp"

namespace {

using flow::testing::serve_input;
using flow::testing::TestConnector;
namespace fc = flow::capture;

std::string open_line(const nlohmann::json& config, int bindings = 1) {
  nlohmann::json b = nlohmann::json::array();
  for (int i = 0; i < bindings; ++i) {
    b.push_back({{"resourceConfig", {{"table", "t" + std::to_string(i)}}},
                 {"collection", {{"name", "c"}, {"key", {"/id"}}}},
                 {"stateKey", "t" + std::to_string(i)}});
  }
  return nlohmann::json{{"open", {{"capture", {{"config", config}, {"bindings", b}}}}}}.dump() +
         "\n";
}

TEST(CaptureServe, HandlesA30MegabyteRequestLine) {
  // An Open carries every collection schema: lines of tens of MB must work.
  nlohmann::json config = {{"docs", 1}, {"padding", std::string(30u << 20, 'x')}};
  TestConnector connector;
  const auto result = serve_input(connector, open_line(config));
  ASSERT_EQ(result.error, "");
  EXPECT_EQ(result.output,
            "{\"opened\":{}}\n"
            "{\"captured\":{\"binding\":0,\"doc\":{\"id\":1}}}\n"
            "{\"checkpoint\":{\"state\":{\"updated\":{\"cursor\":1},\"mergePatch\":true}}}\n");
}

/// Captures a huge raw document, for checking that nothing limits document size.
class HugeDocument final : public fc::Connector {
 public:
  fc::Spec spec(const fc::SpecRequest&) override { return {}; }
  std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override { return {}; }
  void pull(const fc::Open&, fc::Output& out) override {
    out.captured(0, R"({"blob":")" + std::string(50u << 20, 'a') + R"("})");
    out.checkpoint(R"({})");
  }
};

TEST(CaptureServe, WritesA50MegabyteDocument) {
  HugeDocument connector;
  const auto result = serve_input(connector, open_line({}));
  ASSERT_EQ(result.error, "");
  EXPECT_EQ(result.output.size(),
            std::string(R"({"opened":{}})"
                        "\n"
                        R"({"captured":{"binding":0,"doc":{"blob":""}}})"
                        "\n"
                        R"({"checkpoint":{"state":{"updated":{},"mergePatch":true}}})"
                        "\n")
                    .size() +
                (50u << 20));
}

/// Emits documents that are not compact objects.
class BadDocuments final : public fc::Connector {
 public:
  explicit BadDocuments(std::string doc) : doc_(std::move(doc)) {}
  fc::Spec spec(const fc::SpecRequest&) override { return {}; }
  std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override { return {}; }
  void pull(const fc::Open&, fc::Output& out) override { out.captured(0, doc_); }

 private:
  std::string doc_;
};

TEST(CaptureServe, RejectsADocumentThatWouldBreakLineFraming) {
  BadDocuments pretty("{\n  \"a\": 1\n}");
  EXPECT_NE(serve_input(pretty, open_line({})).error.find("must be compact JSON"),
            std::string::npos);
  BadDocuments array("[1]");
  EXPECT_NE(serve_input(array, open_line({})).error.find("must be a JSON object"),
            std::string::npos);
}

/// Splices `_meta` into raw documents with the pieces overload, small and huge.
class Pieces final : public fc::Connector {
 public:
  fc::Spec spec(const fc::SpecRequest&) override { return {}; }
  std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override { return {}; }
  void pull(const fc::Open&, fc::Output& out) override {
    out.captured(0, {R"({"a":1)", R"(,"_meta":{"op":"u"}})"});
    const std::string big = R"({"blob":")" + std::string(3u << 20, 'b') + R"(")";
    out.captured(0, {big, R"(,"_meta":{"op":"c"}})"});
    out.checkpoint(R"({})");
  }
};

TEST(CaptureServe, ConcatenatesDocumentPiecesSmallAndHuge) {
  Pieces connector;
  const auto result = serve_input(connector, open_line({}));
  ASSERT_EQ(result.error, "");
  const std::string expected = std::string(R"({"opened":{}})") + "\n" +
                               R"({"captured":{"binding":0,"doc":{"a":1,"_meta":{"op":"u"}}}})" +
                               "\n" + R"({"captured":{"binding":0,"doc":{"blob":")" +
                               std::string(3u << 20, 'b') + R"(","_meta":{"op":"c"}}}})" + "\n" +
                               R"({"checkpoint":{"state":{"updated":{},"mergePatch":true}}})" +
                               "\n";
  EXPECT_EQ(result.output, expected);
}

TEST(CaptureServe, BuffersDocumentsUntilTheCheckpoint) {
  // Documents go out in one write at the checkpoint, not one write per document: observe
  // the pipe while pull() is between captured() and checkpoint().
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int out_fds[2];
  ASSERT_EQ(pipe(out_fds), 0);

  class Gated final : public fc::Connector {
   public:
    std::atomic<int> stage{0};
    fc::Spec spec(const fc::SpecRequest&) override { return {}; }
    std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override { return {}; }
    void pull(const fc::Open&, fc::Output& out) override {
      out.captured(0, R"({"id":1})");
      stage = 1;
      while (stage != 2) {
        std::this_thread::yield();
      }
      out.checkpoint(R"({})");
    }
  } connector;

  std::thread server([&] { fc::serve(connector, fds[0], out_fds[1]); });
  const std::string open = open_line({});
  ASSERT_EQ(write(fds[1], open.data(), open.size()), static_cast<ssize_t>(open.size()));
  char buffer[4096];
  const ssize_t opened = read(out_fds[0], buffer, sizeof(buffer));
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(opened)), "{\"opened\":{}}\n");
  while (connector.stage != 1) {
    std::this_thread::yield();
  }
  // Nothing more is readable yet: the document is still buffered.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pollfd pfd{.fd = out_fds[0], .events = POLLIN, .revents = 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0);
  connector.stage = 2;
  const ssize_t rest = read(out_fds[0], buffer, sizeof(buffer));
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(rest)),
            "{\"captured\":{\"binding\":0,\"doc\":{\"id\":1}}}\n"
            "{\"checkpoint\":{\"state\":{\"updated\":{},\"mergePatch\":true}}}\n");
  close(fds[1]);  // EOF ends the session
  server.join();
  close(fds[0]);
  close(out_fds[0]);
  close(out_fds[1]);
}

TEST(CaptureServe, StdinEofStopsALongRunningPull) {
  int in_fds[2];
  int out_fds[2];
  ASSERT_EQ(pipe(in_fds), 0);
  ASSERT_EQ(pipe(out_fds), 0);

  class Forever final : public fc::Connector {
   public:
    fc::Spec spec(const fc::SpecRequest&) override { return {}; }
    std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override { return {}; }
    void pull(const fc::Open&, fc::Output& out) override {
      while (!out.wait_for_stop(std::chrono::milliseconds(10))) {
        out.captured(0, R"({"id":1})");
        out.checkpoint(R"({})");
      }
    }
  } connector;

  int exit_code = -1;
  std::thread server([&] { exit_code = fc::serve(connector, in_fds[0], out_fds[1]); });
  const std::string open = open_line({});
  ASSERT_EQ(write(in_fds[1], open.data(), open.size()), static_cast<ssize_t>(open.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  close(in_fds[1]);
  server.join();  // returns: EOF after open means "stop"
  EXPECT_EQ(exit_code, 0);
  close(in_fds[0]);
  close(out_fds[0]);
  close(out_fds[1]);
}

TEST(CaptureResourcePath, TakesValuesAtPointersInOrderSkippingAbsentOnes) {
  const nlohmann::json config = {{"namespace", "public"}, {"stream", "orders"}, {"n", 3}};
  EXPECT_EQ(fc::resource_path(config, {"/namespace", "/stream"}),
            (std::vector<std::string>{"public", "orders"}));
  EXPECT_EQ(fc::resource_path(config, {"/missing", "/stream", "/n"}),
            (std::vector<std::string>{"orders", "3"}));
}

}  // namespace
