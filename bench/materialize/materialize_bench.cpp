// SPDX-License-Identifier: Apache-2.0
// bench-materialize [STORES=1000000] [SQLITE_ROWS=200000]
//
// 1. Decodes STORES small Store requests through flow::materialize::serve() into a no-op
//    store(), once with JSON key/values arrays and once with packed FDB tuples, and compares
//    the throughput (bytes/s of input) with ../shared/bench/limit_shim.cpp (simdjson On-Demand
//    ceiling) on an Airbyte transcript of the same size, measured in the same run.
// 2. Stores SQLITE_ROWS rows into the materialize-sqlite example (one SQLite transaction per
//    Flow transaction), at two batch sizes, and prints rows/s.
// Figures: best of 3 runs each (SQLite: best of 2). Absolute times are noisy; the ratio is the
// figure. Besides its own lines it prints bench/run's ROW lines.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <flow/materialize.hpp>
#include <flow/process/temp_dir.hpp>
#include <flow/tuple.hpp>
#include <fstream>
#include <string>

#include "materialize.pb.h"
#include "proto_frames.hpp"
#include "row.hpp"
#include "sqlite_materialization.hpp"

namespace {

namespace m = flow::materialize;
using Clock = std::chrono::steady_clock;

/// Counts stores and touches their views, so nothing is optimised away.
class NoopMaterialization final : public m::Connector {
 public:
  std::size_t stores = 0;
  std::size_t bytes = 0;
  m::Spec spec(const m::SpecRequest&) override { return {}; }
  std::vector<m::ValidatedBinding> validate(const m::Validate&) override { return {}; }
  void store(const m::Store& s) override {
    ++stores;
    bytes += s.key.size() + s.values.size() + s.doc.size() + s.value_fields.size();
  }
};

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(n >> shift) & 63]);
    }
  }
  if (bytes.size() - i == 1) {
    const std::uint32_t n = byte(i) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

const char* kOpen =
    R"({"open":{"materialization":{"name":"bench","config":{"path":"%s"},"bindings":[{"resourceConfig":{"table":"t"},)"
    R"("collection":{"name":"c","key":["/id"]},"fieldSelection":{"keys":["id"],"values":["amount","name"],)"
    R"("document":"flow_document"}}]},"range":{"keyEnd":4294967295,"rClockEnd":4294967295}}})";

std::string open_line(const std::string& db_path) {
  std::string line(std::strlen(kOpen) + db_path.size(), '\0');
  line.resize(static_cast<std::size_t>(
      std::snprintf(line.data(), line.size() + 1, kOpen, db_path.c_str())));
  return line + "\n";
}

/// One store line for id `i`.
void append_store(std::string& out, std::size_t i, bool packed) {
  const std::string id = std::to_string(i);
  const std::string name = "name-" + id;
  const std::string amount = id + ".5";
  out += R"({"store":{)";
  if (packed) {
    const auto key = flow::tuple::pack_json({i});
    const auto values = flow::tuple::pack_json({static_cast<double>(i) + 0.5, name});
    out += R"("keyPacked":")" + base64(key) + R"(","valuesPacked":")" + base64(values) + "\"";
  } else {
    out += R"("key":[)" + id + R"(],"values":[)" + amount + R"(,")" + name + R"("])";
  }
  out += R"(,"doc":{"id":)" + id + R"(,"name":")" + name + R"(","amount":)" + amount +
         R"(,"tags":["a","b"]},"exists":true}})"
         "\n";
}

/// open, acknowledge, then transactions of `batch` stores (flush … startCommit, acknowledge).
std::string store_stream(const std::string& db_path,
                         std::size_t stores,
                         std::size_t batch,
                         bool packed) {
  std::string out = open_line(db_path) + R"({"acknowledge":{}})"
                                         "\n";
  for (std::size_t i = 0; i < stores;) {
    out += R"({"flush":{}})"
           "\n";
    for (std::size_t j = 0; j < batch && i < stores; ++j, ++i) {
      append_store(out, i, packed);
    }
    out += R"({"startCommit":{"runtimeCheckpoint":{"sources":{"s":{"readThrough":")" +
           std::to_string(i) +
           R"("}}}}})"
           "\n"
           R"({"acknowledge":{}})"
           "\n";
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Runs serve() on `path` with output to /dev/null; returns seconds.
double time_serve(m::Connector& connector,
                  const std::string& path,
                  flow::Codec codec = flow::Codec::json) {
  const int in = open(path.c_str(), O_RDONLY);
  const int out = open("/dev/null", O_WRONLY);
  const auto start = Clock::now();
  m::serve(connector, in, out, m::ServeOptions{.codec = codec});
  const double s = seconds_since(start);
  close(in);
  close(out);
  return s;
}

double time_command(const std::string& command) {
  const auto start = Clock::now();
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
  return seconds_since(start);
}

std::size_t file_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return static_cast<std::size_t>(in.tellg());
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t stores = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t sqlite_rows = argc > 2 ? std::stoul(argv[2]) : 200000;
  flow::process::TempDir dir("bench-materialize");

  // ---- 1. Store decoding vs limit_shim ----
  const std::string json_path = dir.path() + "/stores.jsonl";
  const std::string packed_path = dir.path() + "/stores-packed.jsonl";
  write_file(json_path, store_stream(dir.path() + "/unused.db", stores, stores, false));
  write_file(packed_path, store_stream(dir.path() + "/unused.db", stores, stores, true));
  // The packed stream again as protobuf frames: what a protobuf runtime sends.
  const std::string proto_path = dir.path() + "/stores.frames";
  {
    flowpb::materialize::Request prototype;
    write_file(proto_path,
               flow::bench::jsonl_to_frames(
                   store_stream(dir.path() + "/unused.db", stores, stores, true), prototype));
  }
  const auto json_bytes = static_cast<double>(file_size(json_path));
  const auto packed_bytes = static_cast<double>(file_size(packed_path));
  const auto n = static_cast<double>(stores);

  // An Airbyte transcript of about the same size for limit_shim (~375 bytes per record).
  const std::string airbyte_path = dir.path() + "/airbyte.jsonl";
  const std::size_t records = std::max<std::size_t>(1, file_size(json_path) / 375);
  time_command("python3 " FLOW_SHARED_DIR "/bench/gen_airbyte.py " + std::to_string(records) +
               " > " + airbyte_path);
  const auto airbyte_bytes = static_cast<double>(file_size(airbyte_path));

  double best_json = 1e9;
  double best_packed = 1e9;
  double best_limit = 1e9;
  double best_proto = 1e9;
  for (int round = 0; round < 3; ++round) {
    NoopMaterialization proto_connector;
    best_proto =
        std::min(best_proto, time_serve(proto_connector, proto_path, flow::Codec::protobuf));
    if (proto_connector.stores != stores) {
      std::fprintf(stderr, "store count mismatch under protobuf\n");
      return 1;
    }
    NoopMaterialization json_connector;
    best_json = std::min(best_json, time_serve(json_connector, json_path));
    NoopMaterialization packed_connector;
    best_packed = std::min(best_packed, time_serve(packed_connector, packed_path));
    if (json_connector.stores != stores || packed_connector.stores != stores) {
      std::fprintf(stderr, "store count mismatch\n");
      return 1;
    }
    best_limit = std::min(best_limit, time_command(std::string(LIMIT_SHIM_BIN) + " < " +
                                                   airbyte_path + " > /dev/null 2>&1"));
  }
  const double mb = 1e6;
  const double limit_rate = airbyte_bytes / best_limit;
  const double json_rate = json_bytes / best_json;
  const double packed_rate = packed_bytes / best_packed;
  std::printf("store decoding, %zu small documents (best of 3)\n", stores);
  std::printf("  limit_shim       %7.1f MB in %.3f s = %7.1f MB/s\n", airbyte_bytes / mb,
              best_limit, limit_rate / mb);
  std::printf("  SDK JSON keys    %7.1f MB in %.3f s = %7.1f MB/s, %.2f M stores/s, ratio %.2fx\n",
              json_bytes / mb, best_json, json_rate / mb, n / best_json / 1e6,
              json_rate / limit_rate);
  std::printf("  SDK packed keys  %7.1f MB in %.3f s = %7.1f MB/s, %.2f M stores/s, ratio %.2fx\n",
              packed_bytes / mb, best_packed, packed_rate / mb, n / best_packed / 1e6,
              packed_rate / limit_rate);
  namespace fb = flow::bench;
  const std::string stores_label = stores == 1000000 ? "1 M" : std::to_string(stores);
  const std::string limit_label = "`limit_shim`, same-size Airbyte input";
  fb::row({.measure = "materialize: decode " + stores_label + " Store requests, JSON keys",
           .figure = json_rate / mb,
           .unit = "MB/s",
           .statistic = "best of 3",
           .baseline = limit_label,
           .baseline_figure = limit_rate / mb,
           .target = ">= 0.5x"});
  fb::row({.measure = "materialize: decode " + stores_label +
                      " Store requests, protobuf codec (packed FDB tuples)",
           .figure = n / best_proto / 1e6,
           .unit = "M stores/s",
           .statistic = "best of 3",
           .baseline = "the same stores as JSON lines, packed tuples",
           .baseline_figure = n / best_packed / 1e6,
           .target = "-"});
  fb::row({.measure = "materialize: decode " + stores_label + " Store requests, packed FDB tuples",
           .figure = packed_rate / mb,
           .unit = "MB/s",
           .statistic = "best of 3",
           .baseline = limit_label,
           .baseline_figure = limit_rate / mb,
           .target = ">= 0.5x"});

  // ---- 2. SQLite store throughput ----
  std::printf("materialize-sqlite store throughput, %zu rows (insert or replace)\n", sqlite_rows);
  for (const std::size_t batch : {std::size_t{1000}, std::size_t{50000}}) {
    double best = 1e9;
    for (int round = 0; round < 2; ++round) {
      const std::string db =
          dir.path() + "/bench-" + std::to_string(batch) + "-" + std::to_string(round) + ".db";
      const std::string apply_path = dir.path() + "/apply.jsonl";
      std::string apply = open_line(db);
      apply.replace(0, std::strlen(R"({"open":)"), R"({"apply":)");
      write_file(apply_path, apply);
      {
        SqliteMaterialization connector;
        time_serve(connector, apply_path);
      }
      const std::string path = dir.path() + "/sqlite.jsonl";
      write_file(path, store_stream(db, sqlite_rows, batch, false));
      SqliteMaterialization connector;
      best = std::min(best, time_serve(connector, path));
    }
    std::printf("  %6zu rows per transaction: %.3f s = %8.0f rows/s\n", batch, best,
                static_cast<double>(sqlite_rows) / best);
    fb::row({.measure = "materialize-sqlite: " + std::to_string(sqlite_rows) + " rows, " +
                        std::to_string(batch) + " per transaction",
             .figure = static_cast<double>(sqlite_rows) / best / 1000.0,
             .unit = "k rows/s",
             .statistic = "best of 2"});
  }
  return 0;
}
