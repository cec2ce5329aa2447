// SPDX-License-Identifier: Apache-2.0
//
// bench-derive: read → publish throughput of a pass-through derivation, against the ceiling
// ../shared/bench/limit_shim.cpp (simdjson On-Demand + raw splice, no protocol work) on the
// same documents, measured in the same run.
//
//  1. `python3 gen_airbyte.py N` writes the baseline's Airbyte transcript (N records of ~375
//     bytes, a STATE every 1000).
//  2. The same documents become a derive session: open, then per record a `read` (transform =
//     stream, uuid, shuffle key [id], doc = record.data) and per STATE a flush + startCommit.
//  3. Each program runs 3 times (alternating) with its input file on stdin and stdout to
//     /dev/null; the best wall time counts. The ratio is limit_shim time / derive time: 1.0
//     means as fast as the ceiling, the target is >= 0.5.
//
// Build with the release preset and run: build/release/bin/bench-derive [N]
// Besides its own lines it prints bench/run's ROW line.

#include <fcntl.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <flow/process/temp_dir.hpp>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "row.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

/// Runs argv with stdin from `in_path` and stdout to `out_path`; returns wall seconds.
double run_timed(const std::vector<std::string>& argv,
                 const std::string& in_path,
                 const std::string& out_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));  // NOLINT: posix_spawn's signature
  }
  args.push_back(nullptr);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    std::fprintf(stderr, "cannot start %s\n", args[0]);
    std::exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  posix_spawn_file_actions_destroy(&actions);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s failed (status %d)\n", args[0], status);
    std::exit(1);
  }
  return elapsed;
}

double megabytes(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<double>(st.st_size) / 1e6 : 0;
}

/// Turns the Airbyte transcript into a derive session over the same documents.
void write_derive_input(const std::string& airbyte_path, const std::string& out_path) {
  const simdjson::padded_string input = simdjson::padded_string::load(airbyte_path);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document_stream docs = parser.iterate_many(input, 1 << 20);
  std::ofstream out(out_path, std::ios::binary);
  std::string transforms;
  for (const char* stream : {"users", "orders", "events"}) {
    transforms += std::string(transforms.empty() ? "" : ",") + R"({"name":")" + stream +
                  R"(","collection":{"name":"acmeCo/)" + stream + R"(","key":["/id"]},)" +
                  R"("shuffleKey":["/id"]})";
  }
  out << R"({"spec":{"connectorType":"LOCAL","config":{}}})" << '\n'
      << R"({"open":{"collection":{"name":"acmeCo/all","key":["/id"],"derivation":{)"
      << R"("connectorType":"LOCAL","config":{},"transforms":[)" << transforms << "]}},"
      << R"("range":{"keyEnd":4294967295,"rClockEnd":4294967295}}})" << '\n';
  std::string line;
  std::uint64_t clock = 0;
  for (auto doc_result : docs) {
    simdjson::ondemand::document_reference doc = doc_result.value();
    const std::string_view type = doc["type"].get_string().value();
    if (type == "RECORD") {
      auto record = doc["record"];
      const std::string_view stream = record["stream"].get_string().value();
      const int transform = stream == "users" ? 0 : stream == "orders" ? 1 : 2;
      const std::string_view data = simdjson::to_json_string(record["data"]).value();
      clock += 16;
      line.clear();
      line += R"({"read":{"transform":)" + std::to_string(transform);
      line += R"(,"uuid":{"node":"1234","clock":")" + std::to_string(clock);
      line += R"("},"shuffle":{"key":[)" + std::to_string(clock / 16) + R"(],"hash":)" +
              std::to_string((clock * 2654435761U) & 0xffffffffU) + R"(},"doc":)";
      line.append(data);
      line += "}}\n";
      out << line;
    } else if (type == "STATE") {
      out << R"({"flush":{}})" << '\n' << R"({"startCommit":{"runtimeCheckpoint":{}}})" << '\n';
    }
  }
  out << R"({"flush":{}})" << '\n' << R"({"startCommit":{}})" << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  const long records = argc > 1 ? std::atol(argv[1]) : 264313;  // ~100 MB, as in the README
  flow::process::TempDir dir("bench-derive");
  const std::string airbyte = dir.path() + "/airbyte.jsonl";
  const std::string reads = dir.path() + "/reads.jsonl";
  std::printf("generating %ld records with gen_airbyte.py ...\n", records);
  run_timed(
      {"python3", std::string(FLOW_SHARED_DIR) + "/bench/gen_airbyte.py", std::to_string(records)},
      "/dev/null", airbyte);
  write_derive_input(airbyte, reads);
  std::printf("inputs: airbyte %.1f MB, derive reads %.1f MB\n", megabytes(airbyte),
              megabytes(reads));

  // Check once that the derivation really published every document.
  const std::string published = dir.path() + "/published.jsonl";
  run_timed({PASS_THROUGH_BIN}, reads, published);
  long published_lines = 0;
  {
    std::ifstream in(published);
    std::string line;
    while (std::getline(in, line)) {
      published_lines += line.starts_with(R"({"published":{"doc":{"id":)") ? 1 : 0;
    }
  }
  if (published_lines != records) {
    std::fprintf(stderr, "the derivation published %ld documents, expected %ld\n", published_lines,
                 records);
    return 1;
  }

  double best_shim = 1e9;
  double best_derive = 1e9;
  for (int round = 0; round < 3; ++round) {
    best_shim = std::min(best_shim, run_timed({LIMIT_SHIM_BIN}, airbyte, "/dev/null"));
    best_derive = std::min(best_derive, run_timed({PASS_THROUGH_BIN}, reads, "/dev/null"));
  }
  const double docs_per_s = static_cast<double>(records) / best_derive;
  std::printf("limit_shim (ceiling):          %.3f s  %.1f MB/s in\n", best_shim,
              megabytes(airbyte) / best_shim);
  std::printf("derive pass-through (SDK):     %.3f s  %.1f MB/s in, %.0f docs/s\n", best_derive,
              megabytes(reads) / best_derive, docs_per_s);
  std::printf("ratio (limit_shim / derive):   %.2fx  (target >= 0.5)\n", best_shim / best_derive);
  flow::bench::row(
      {.measure = "derive: pass-through read -> publish, " + std::to_string(records) + " documents",
       .figure = docs_per_s / 1e6,
       .unit = "M docs/s",
       .statistic = "best of 3",
       .baseline = "`limit_shim`, same documents",
       .baseline_figure = static_cast<double>(records) / best_shim / 1e6,
       .target = ">= 0.5x"});
  return 0;
}
