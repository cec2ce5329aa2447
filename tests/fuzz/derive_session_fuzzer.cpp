// SPDX-License-Identifier: Apache-2.0
// Fuzzes a whole derive session: the input is stdin, served by the production
// flow::derive::serve() to a pass-through derivation (each read publishes its document),
// responses to /dev/null. Covers decoding in context: transform range checks, the ordering
// rules, publishing. flow::Error is the expected failure. Each document is parsed in place
// with simdjson, as the Read contract allows (kLinePadding readable bytes follow it).

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <flow/derive.hpp>
#include <flow/error.hpp>
#include <flow/line_reader.hpp>
#include <flow/log.hpp>
#include <optional>

#include "memfd_input.hpp"

namespace {

namespace d = flow::derive;

class PassThrough final : public d::Connector {
 public:
  d::Spec spec(const d::SpecRequest& /*request*/) override { return {}; }
  d::Validated validate(const d::Validate& request) override {
    d::Validated validated;
    validated.transforms.resize(request.transforms.size());
    return validated;
  }
  void read(const d::Read& request, d::Publisher& out) override {
    simdjson::ondemand::document doc;
    if (parser_
            .iterate(request.doc.data(), request.doc.size(),
                     request.doc.size() + flow::LineReader::kLinePadding)
            .get(doc) == simdjson::SUCCESS) {
      std::string_view json;
      if (simdjson::to_json_string(doc).get(json) == simdjson::SUCCESS) {
        out.publish(json);
      }
    }
  }

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  flow::log::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static flow::fuzz::MemfdInput input;
  PassThrough connector;
  try {
    d::serve(connector, input.load(data, size), input.null_fd(),
             d::ServeOptions{.buffers = flow::fuzz::kFuzzBuffers});
  } catch (const flow::Error&) {
    // Expected: protocol violations and malformed requests.
  }
  return 0;
}
