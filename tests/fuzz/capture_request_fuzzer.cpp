// SPDX-License-Identifier: Apache-2.0
// Fuzzes capture request decoding: every line of the input goes through
// flow::capture::detail::decode_request on one reused RequestParser, as the capture serve
// loop does. flow::Error (ProtocolError for bad requests) is the expected failure; anything
// else escaping, or a sanitizer report, is a finding.

#include <cstddef>
#include <cstdint>
#include <flow/error.hpp>
#include <flow/log.hpp>

#include "capture/codec.hpp"
#include "fuzz_lines.hpp"

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
      const auto request = flow::capture::detail::decode_request(parser, line);
      (void)request;
    } catch (const flow::Error&) {
      // Expected: malformed or unknown requests.
    }
  });
  return 0;
}
