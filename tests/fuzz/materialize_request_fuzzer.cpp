// SPDX-License-Identifier: Apache-2.0
// Fuzzes materialize request decoding, line by line: each line goes through the production
// RequestParser and, by its variant key, the production decoder the materialize session
// calls (src/materialize/codec.hpp). Load and Store are decoded inside the session itself,
// so materialize_session_fuzzer covers them by driving serve(). flow::Error is expected.

#include <cstddef>
#include <cstdint>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <string>
#include <string_view>

#include "fuzz_lines.hpp"
#include "materialize/codec.hpp"

namespace {

namespace m = flow::materialize::detail;
namespace od = flow::detail::od;

void decode(std::string_view kind, od::value body) {
  if (kind == "acknowledge") {
    (void)m::decode_acknowledge(body);
  } else if (kind == "flush") {
    (void)m::decode_flush(body);
  } else if (kind == "startCommit" || kind == "start_commit") {
    const auto request = m::decode_start_commit(body);
    // The checkpoint is a view into the line: touching it lets ASan check its bounds.
    volatile std::size_t sum = 0;
    for (char c : request.runtime_checkpoint) {
      sum = sum + static_cast<unsigned char>(c);
    }
  } else if (kind == "spec") {
    (void)m::decode_spec(body);
  } else if (kind == "validate") {
    (void)m::decode_validate(body);
  } else if (kind == "apply") {
    (void)m::decode_apply(body);
  } else if (kind == "open") {
    (void)m::decode_open(body);
  } else if (kind != "load" && kind != "store") {
    throw flow::detail::DecodeError("unknown materialize request '" + std::string(kind) + "'");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  flow::log::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static flow::detail::RequestParser parser;
  flow::fuzz::for_each_line(data, size, [](const flow::Line& line) {
    if (flow::fuzz::is_blank(line.text)) {
      return;
    }
    try {
      parser.parse(line, [](std::string_view kind, od::value body) { decode(kind, body); });
    } catch (const flow::Error&) {
      // Expected: malformed or unknown requests.
    }
  });
  return 0;
}
