// SPDX-License-Identifier: Apache-2.0
// Fuzzes the Airbyte shim's read translator (flow::airbyte::ReadTranslator::handle): the input
// is a connector's stdout, one Airbyte message per line, fed to one translator with three
// bindings (no row id, per-sweep row ids, persistent row ids in a namespace). A sweep that
// reads to the end is closed with end_sweep(), as after a child that exited 0.
// flow::Error (a truncated final line) is the documented failure. Every captured document
// and checkpoint the translator emits must be valid JSON: the runtime parses them.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <flow/airbyte/read_translator.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "fuzz_lines.hpp"

namespace {

namespace fa = flow::airbyte;

class CheckingSink final : public fa::ReadSink {
 public:
  void captured(std::uint32_t binding, std::string_view doc_json) override {
    if (binding >= 3) {
      flow::fuzz::invariant_failed("captured() for a binding that does not exist");
    }
    if (!nlohmann::json::accept(doc_json)) {
      flow::fuzz::invariant_failed("captured() a document that is not valid JSON");
    }
  }
  void checkpoint(std::string_view merge_patch_json) override {
    if (!nlohmann::json::accept(merge_patch_json)) {
      flow::fuzz::invariant_failed("checkpoint() with a merge patch that is not valid JSON");
    }
  }
};

class IgnoringEvents final : public fa::ReadEvents {
 public:
  void on_config_update(const nlohmann::json& /*config*/) override {}
};

std::vector<fa::ReadBinding> bindings() {
  return {{"FileRevisions", "", "FileRevisions.v1", fa::RowIdMode::none},
          {"events", "", "events.v1", fa::RowIdMode::per_sweep},
          {"items", "shop", "items.v1", fa::RowIdMode::persistent}};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  flow::log::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CheckingSink sink;
  IgnoringEvents events;
  fa::ReadTranslator reader(bindings(), nlohmann::json::object(), sink, &events);
  try {
    reader.begin_sweep();
    flow::fuzz::for_each_line(data, size,
                              [&reader](const flow::Line& line) { reader.handle(line); });
    reader.end_sweep();
  } catch (const flow::Error&) {
    // Documented: a final line cut off mid-message.
  }
  return 0;
}
