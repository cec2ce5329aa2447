// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace flow {

/// One newline-delimited line read by LineReader. `text` excludes the '\n'. The memory after
/// `text` holds at least `kLinePadding` readable bytes, so simdjson On-Demand can parse the
/// line in place (`parser.iterate(text.data(), text.size(), capacity)`).
struct Line {
  std::string_view text;
  std::size_t capacity = 0;  ///< readable bytes from text.data(), >= text.size() + padding
  std::size_t number = 0;    ///< 1-based line number
  bool terminated = true;    ///< false for a final line that ended at EOF without '\n'
};

/// Reads '\n'-delimited lines from a file descriptor in large blocks, with no limit on line
/// length (a line may be many MB: an Open carries every collection schema). A Line stays valid
/// until the next call to next().
///
/// Example:
///   flow::LineReader reader(STDIN_FILENO);
///   while (auto line = reader.next()) handle(line->text);
class LineReader {
 public:
  static constexpr std::size_t kLinePadding = 64;  // >= SIMDJSON_PADDING

  explicit LineReader(int fd, std::size_t block_size = 1 << 20);

  /// Makes next() give up (return nullopt, with cancelled() true) when `cancelled` returns
  /// true. While set, the reader waits for input with poll() in short slices (20 ms) and
  /// asks `cancelled` between them, so another thread or a signal can stop a blocked read.
  void set_cancel(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }
  [[nodiscard]] bool cancelled() const noexcept { return was_cancelled_; }

  /// The next line, or nullopt at EOF. Retries EINTR; throws flow::Error on read errors.
  std::optional<Line> next();

  /// Lines returned so far.
  [[nodiscard]] std::size_t line_count() const noexcept { return line_number_; }

 private:
  bool fill();  // reads more bytes; false at EOF

  int fd_;
  std::size_t block_size_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // start of unconsumed bytes
  std::size_t end_ = 0;    // end of valid bytes
  std::size_t scan_ = 0;   // bytes in [begin_, scan_) are known to hold no '\n'
  std::size_t line_number_ = 0;
  bool eof_ = false;
  std::function<bool()> cancelled_;
  bool was_cancelled_ = false;
};

}  // namespace flow
