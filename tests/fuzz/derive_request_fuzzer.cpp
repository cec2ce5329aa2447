// SPDX-License-Identifier: Apache-2.0
// Fuzzes derive request decoding, line by line: each line goes through the production
// RequestParser, request_kind() and the decoder the derive session calls
// (src/derive/request_decode.hpp). Checks the promise of flow::derive::Read: the views point
// into the line and LineReader::kLinePadding readable bytes follow the document.
// flow::Error is expected.

#include <cstddef>
#include <cstdint>
#include <flow/error.hpp>
#include <flow/line_reader.hpp>
#include <flow/log.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "derive/protocol_state.hpp"
#include "derive/request_decode.hpp"
#include "fuzz_lines.hpp"

namespace {

namespace d = flow::derive::detail;
namespace od = flow::detail::od;

/// `view` lies inside the line and, if `padded`, kLinePadding bytes follow it in the buffer.
bool inside(std::string_view view, const flow::Line& line, bool padded) {
  if (view.empty()) {
    return true;
  }
  const char* begin = line.text.data();
  const char* end = begin + line.capacity;
  const std::size_t tail = padded ? flow::LineReader::kLinePadding : 0;
  return view.data() >= begin && view.data() + view.size() + tail <= end;
}

void decode(std::string_view key, od::value body, const flow::Line& line) {
  const auto kind = d::request_kind(key);
  if (!kind) {
    throw flow::detail::DecodeError("unknown derive request '" + std::string(key) + "'");
  }
  switch (*kind) {
    case d::RequestKind::kRead: {
      static d::ShuffleKeyScratch scratch;
      const auto read = d::decode_read(body, scratch);
      // The shuffle key is a view into the line, or (a packed-only key) the decoded array in
      // the scratch buffer, which must then be valid JSON.
      const bool key_decoded = !read.shuffle_key.empty() &&
                               read.shuffle_key.data() == scratch.json.data() &&
                               read.shuffle_key.size() == scratch.json.size();
      if (!inside(read.doc, line, true) ||
          (!key_decoded && !inside(read.shuffle_key, line, false))) {
        flow::fuzz::invariant_failed("Read views escape the line or its padding");
      }
      if (key_decoded && !nlohmann::json::accept(read.shuffle_key)) {
        flow::fuzz::invariant_failed("a packed shuffle key decoded to invalid JSON");
      }
      volatile std::size_t sum = 0;
      for (char c : read.doc) {
        sum = sum + static_cast<unsigned char>(c);
      }
      for (char c : read.shuffle_key) {
        sum = sum + static_cast<unsigned char>(c);
      }
      return;
    }
    case d::RequestKind::kSpec:
      (void)d::decode_spec(body);
      return;
    case d::RequestKind::kValidate:
      (void)d::decode_validate(body);
      return;
    case d::RequestKind::kOpen:
      (void)d::decode_open(body);
      return;
    case d::RequestKind::kFlush:
    case d::RequestKind::kStartCommit:
    case d::RequestKind::kReset:
      return;  // the session decodes nothing of these
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
    if (line.text.empty()) {
      return;  // the session rejects empty lines before parsing
    }
    try {
      parser.parse(line,
                   [&line](std::string_view key, od::value body) { decode(key, body, line); });
    } catch (const flow::Error&) {
      // Expected: malformed or unknown requests.
    }
  });
  return 0;
}
