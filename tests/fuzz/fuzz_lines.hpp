// SPDX-License-Identifier: Apache-2.0
#pragma once

// Helpers shared by the fuzz targets: turn libFuzzer's byte buffer into flow::Line values
// laid out the way flow::LineReader hands them to parsers.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <flow/line_reader.hpp>
#include <string_view>
#include <vector>

namespace flow::fuzz {

/// A copy of one line in its own heap block, followed by exactly LineReader::kLinePadding
/// zero bytes, so AddressSanitizer reports any read past the padding a real reader gives.
///
/// Example:
///   flow::fuzz::PaddedLine padded(text, 1, true);
///   parser.parse(padded.line(), ...);
class PaddedLine {
 public:
  PaddedLine(std::string_view text, std::size_t number, bool terminated)
      : buffer_(text.size() + LineReader::kLinePadding, '\0') {
    if (!text.empty()) {
      std::memcpy(buffer_.data(), text.data(), text.size());
    }
    line_ = Line{.text = std::string_view(buffer_.data(), text.size()),
                 .capacity = buffer_.size(),
                 .number = number,
                 .terminated = terminated};
  }

  [[nodiscard]] const Line& line() const noexcept { return line_; }

 private:
  std::vector<char> buffer_;
  Line line_;
};

/// Calls fn(const Line&) for every '\n'-delimited line of the input, numbered from 1, like
/// LineReader: a final line without '\n' has `terminated == false`; no empty final line.
template <class Fn>
void for_each_line(const std::uint8_t* data, std::size_t size, Fn&& fn) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t begin = 0;
  std::size_t number = 0;
  while (begin < input.size()) {
    const std::size_t newline = input.find('\n', begin);
    const bool terminated = newline != std::string_view::npos;
    const std::size_t end = terminated ? newline : input.size();
    const PaddedLine padded(input.substr(begin, end - begin), ++number, terminated);
    fn(padded.line());
    begin = end + 1;
  }
}

/// True for a line the serve loops skip before decoding (only spaces, tabs and '\r').
inline bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

/// Stops the process with a message when a target's own invariant breaks: libFuzzer records
/// the input as a crash.
[[noreturn]] inline void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace flow::fuzz
