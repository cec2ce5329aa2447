// SPDX-License-Identifier: Apache-2.0
// Fuzzes the Singer shim's read translator (flow::singer::ReadTranslator::process): the input
// is a tap's stdout, one Singer message per line, fed to one translator with two bindings
// (FULL_TABLE keyed by /id, INCREMENTAL keyed by /_meta/row_id). A stream read to the end is
// closed with finish(), as after a tap that exited 0. flow::Error is the documented failure.
// Every captured document, checkpoint and sourced schema must be valid, compact JSON.
//
// BATCH messages name files the translator opens. Inputs that could name a device or an
// endless pseudo-file (/dev, /proc, /sys, or any %-escape) next to "BATCH" are skipped, so
// the fuzzer never blocks reading /dev/zero; other paths just fail to open.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/singer/read_translator.hpp>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "fuzz_lines.hpp"

namespace {

namespace fs = flow::singer;

class CheckingSink final : public fs::ReadSink {
 public:
  void captured(std::uint32_t binding, std::string_view doc) override {
    if (binding >= 2) {
      flow::fuzz::invariant_failed("captured() for a binding that does not exist");
    }
    if (doc.find('\n') != std::string_view::npos || !nlohmann::json::accept(doc)) {
      flow::fuzz::invariant_failed("captured() a document that is not one line of valid JSON");
    }
  }
  void checkpoint(const nlohmann::json& patch) override { (void)patch.dump(); }
  void sourced_schema(std::uint32_t binding, const nlohmann::json& schema) override {
    if (binding >= 2) {
      flow::fuzz::invariant_failed("sourced_schema() for a binding that does not exist");
    }
    (void)schema.dump();
  }
};

std::vector<fs::ReadBinding> bindings() {
  return {{"items", "items", "items.v1", {"/id"}, "FULL_TABLE"},
          {"items_typed", "items_typed", "typed.v1", {"/_meta/row_id"}, "INCREMENTAL"}};
}

bool may_name_a_device(std::string_view input) {
  if (input.find("BATCH") == std::string_view::npos) {
    return false;
  }
  for (std::string_view risky : {"/dev", "/proc", "/sys", "%"}) {
    if (input.find(risky) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  flow::log::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (may_name_a_device(std::string_view(reinterpret_cast<const char*>(data), size))) {
    return -1;  // not added to the corpus
  }
  CheckingSink sink;
  fs::ReadTranslator reader(bindings(), nlohmann::json::object(), {}, sink);
  try {
    flow::fuzz::for_each_line(data, size,
                              [&reader](const flow::Line& line) { reader.process(line); });
    reader.finish();
  } catch (const flow::Error&) {
    // Documented: malformed JSON, no type, RECORD before SCHEMA, unreadable BATCH file.
  }
  return 0;
}
