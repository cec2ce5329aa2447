// SPDX-License-Identifier: Apache-2.0
//
// bench-capture: what the capture SDK costs on its hot path and at start-up.
//
//  1. Output::captured() throughput: 1 M documents of ~375 bytes (the size of the records in
//     ../shared/bench/gen_airbyte.py), a checkpoint every 1000, through capture::serve() to
//     /dev/null, against the floor: a buffered fwrite() of exactly the same output bytes.
//  2. Wall time from process start to the spec response, for the hello-world connector and for
//     flow-airbyte-shim (whose spec runs its Airbyte source, here bench/airbyte-shim/cat_source.sh
//     under /bin/sh, as a child), against a Python process that imports json and prints the
//     same response.
//
// Build with the release preset and run: build/release/bin/bench-capture [DOCS] [SPEC_ROUNDS]
// (defaults 1000000 and 21). Besides its own lines it prints bench/run's ROW lines.
// Absolute figures depend on the machine; the ratios, measured in the same run, are the result.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <flow/capture.hpp>
#include <flow/line_reader.hpp>
#include <flow/process/child_process.hpp>
#include <string>
#include <thread>
#include <vector>

#include "capture.pb.h"
#include "proto_frames.hpp"
#include "row.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fc = flow::capture;

constexpr std::size_t kCheckpointEvery = 1000;

std::vector<std::string> make_documents(std::size_t count) {
  std::vector<std::string> docs;
  docs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string doc = R"({"id":)" + std::to_string(i) + R"(,"name":"user-)" +
                      std::to_string(i % 9973) + R"(","email":"user)" + std::to_string(i) +
                      R"(@example.com","updated_at":"2024-01-01T00:00:00Z","score":)" +
                      std::to_string(i % 1000) +
                      R"(.25,"tags":["a","b","c"],"address":{"street":")";
    doc.append(180, 'x');
    doc += R"(","city":"Springfield","zip":"12345"},"active":true})";
    docs.push_back(std::move(doc));
  }
  return docs;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The floor: the same bytes the SDK writes, through one buffered FILE*.
double fwrite_floor(const std::vector<std::string>& docs) {
  std::FILE* null = std::fopen("/dev/null", "w");
  std::setvbuf(null, nullptr, _IOFBF, 1 << 20);
  const auto start = Clock::now();
  std::fputs("{\"opened\":{}}\n", null);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    std::fputs(R"({"captured":{"binding":0,"doc":)", null);
    std::fwrite(docs[i].data(), 1, docs[i].size(), null);
    std::fputs("}}\n", null);
    if ((i + 1) % kCheckpointEvery == 0) {
      std::fputs(R"({"checkpoint":{"state":{"updated":{"n":1},"mergePatch":true}}})"
                 "\n",
                 null);
      std::fflush(null);
    }
  }
  std::fflush(null);
  const double elapsed = seconds_since(start);
  std::fclose(null);
  return elapsed;
}

class Replay final : public fc::Connector {
 public:
  explicit Replay(const std::vector<std::string>& docs) : docs_(docs) {}
  fc::Spec spec(const fc::SpecRequest&) override { return {}; }
  std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override { return {}; }
  void pull(const fc::Open&, fc::Output& out) override {
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      out.captured(0, docs_[i]);
      if ((i + 1) % kCheckpointEvery == 0) {
        out.checkpoint(std::string_view(R"({"n":1})"));
      }
    }
  }

 private:
  const std::vector<std::string>& docs_;
};

double sdk_captured(const std::vector<std::string>& docs, flow::Codec codec) {
  int in[2];
  if (pipe(in) != 0) {
    std::perror("pipe");
    std::exit(1);
  }
  std::string open =
      R"({"open":{"capture":{"bindings":[{"collection":{"name":"c"},"stateKey":"s"}]}}})"
      "\n";
  if (codec == flow::Codec::protobuf) {
    flowpb::capture::Request prototype;
    open = flow::bench::jsonl_to_frames(open, prototype);
  }
  if (write(in[1], open.data(), open.size()) != static_cast<ssize_t>(open.size())) {
    std::exit(1);
  }
  const int null = ::open("/dev/null", O_WRONLY);
  Replay connector(docs);
  const auto start = Clock::now();
  fc::serve(connector, in[0], null, codec);
  const double elapsed = seconds_since(start);
  close(null);
  close(in[0]);
  close(in[1]);
  return elapsed;
}

/// Milliseconds from spawning `argv` to reading its spec response line.
double spec_wall_ms(const std::vector<std::string>& argv) {
  const std::string request = R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                              "\n";
  const auto start = Clock::now();
  auto child = flow::process::ChildProcess::spawn({.argv = argv, .pipe_stderr = false});
  if (write(child.stdin_fd(), request.data(), request.size()) < 0) {
    std::exit(1);
  }
  flow::LineReader reader(child.stdout_fd(), 1 << 16);
  auto line = reader.next();
  const double elapsed = seconds_since(start) * 1000.0;
  if (!line || line->text.find("\"protocol\":3032023") == std::string_view::npos) {
    std::fprintf(stderr, "no spec response from %s\n", argv[0].c_str());
    std::exit(1);
  }
  child.close_stdin();
  child.wait();
  return elapsed;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t doc_total = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  const int spec_rounds = argc > 2 ? std::stoi(argv[2]) : 21;
  if (doc_total == 0 || spec_rounds <= 0) {
    std::fprintf(stderr, "usage: bench-capture [DOCS > 0] [SPEC_ROUNDS > 0]\n");
    return 2;
  }
  const auto docs = make_documents(doc_total);
  std::size_t bytes = 0;
  for (const auto& doc : docs) {
    bytes += doc.size() + 36;
  }
  // Interleave the runs and keep the best of each, so machine noise hits both alike.
  double floor_best = 1e9;
  double sdk_best = 1e9;
  double proto_best = 1e9;
  for (int round = 0; round < 5; ++round) {
    floor_best = std::min(floor_best, fwrite_floor(docs));
    sdk_best = std::min(sdk_best, sdk_captured(docs, flow::Codec::json));
    proto_best = std::min(proto_best, sdk_captured(docs, flow::Codec::protobuf));
  }

  const std::string python_spec =
      "import json,sys\n"
      "sys.stdin.readline()\n"
      "print(json.dumps({'spec':{'protocol':3032023,'configSchema':{'type':'object'},"
      "'resourceConfigSchema':{'type':'object'}}},separators=(',',':')),flush=True)\n";
  const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  std::vector<double> hello;
  std::vector<double> python_ms;
  std::vector<double> airbyte_ms;
  for (int round = 0; round < spec_rounds; ++round) {
    hello.push_back(spec_wall_ms({FLOW_HELLO_WORLD_BIN}));
    // The system interpreter, not a version-manager shim (whose own start-up would dominate).
    python_ms.push_back(spec_wall_ms({python, "-c", python_spec}));
#ifdef FLOW_AIRBYTE_SHIM_BIN
    airbyte_ms.push_back(spec_wall_ms({FLOW_AIRBYTE_SHIM_BIN, "--", FLOW_AIRBYTE_CAT_SOURCE}));
#endif
  }

  std::printf("%-52s %12s %12s %8s\n", "measure", "sdk", "baseline", "ratio");
  const auto doc_count = static_cast<double>(doc_total);
  const auto byte_count = static_cast<double>(bytes);
  std::printf("%-52s %10.0f/s %10.0f/s %7.2fx  (target <= 1.5x time)\n",
              "captured(): 1M docs x ~375 B vs buffered fwrite", doc_count / sdk_best,
              doc_count / floor_best, sdk_best / floor_best);
  std::printf("%-52s %8.0f MB/s %8.0f MB/s\n", "  (output bytes per second)",
              byte_count / sdk_best / 1e6, byte_count / floor_best / 1e6);
  std::printf("%-52s %9.2f ms %9.2f ms %7.2fx  (target <= 10 ms)\n",
              "spec response from process start vs python3 json", median(hello), median(python_ms),
              median(hello) / median(python_ms));
  if (!airbyte_ms.empty()) {
    std::printf("%-52s %9.2f ms %9.2f ms %7.2fx\n",
                "flow-airbyte-shim spec (sh child) vs python3 json", median(airbyte_ms),
                median(python_ms), median(airbyte_ms) / median(python_ms));
  }

  namespace fb = flow::bench;
  const std::string docs_label = doc_total == 1'000'000 ? "1 M" : std::to_string(doc_total);
  fb::row({.measure = "capture: `captured()`, " + docs_label + " docs of ~375 B through `serve()`",
           .figure = doc_count / sdk_best / 1e6,
           .unit = "M docs/s",
           .statistic = "best of 5",
           .baseline = "buffered `fwrite` of the same bytes",
           .baseline_figure = doc_count / floor_best / 1e6,
           .target = ">= 0.67x (time <= 1.5x)"});
  fb::row({.measure = "capture: `captured()`, " + docs_label + " docs, protobuf codec",
           .figure = doc_count / proto_best / 1e6,
           .unit = "M docs/s",
           .statistic = "best of 5",
           .baseline = "the same under the JSON codec",
           .baseline_figure = doc_count / sdk_best / 1e6,
           .target = "-"});
  const std::string spec_stat = "median of " + std::to_string(spec_rounds);
  const std::string python_label = "`" + python + "` importing json, printing the response";
  fb::row({.measure = "capture: spec response from process start, hello world",
           .figure = median(hello),
           .unit = "ms",
           .statistic = spec_stat,
           .baseline = python_label,
           .baseline_figure = median(python_ms),
           .target = "figure <= 10 ms"});
  if (!airbyte_ms.empty()) {
    fb::row({.measure = "capture: spec response from process start, `flow-airbyte-shim` (its "
                        "source: a `sh` script)",
             .figure = median(airbyte_ms),
             .unit = "ms",
             .statistic = spec_stat,
             .baseline = python_label,
             .baseline_figure = median(python_ms),
             .target = "-"});
  }
  return 0;
}
