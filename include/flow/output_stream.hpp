// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace flow {

/// A buffered writer on a file descriptor. Data accumulates in `buffer()` and goes out in one
/// write(2) when it passes `flush_threshold` or when flush() is called. Blocking writes are
/// fine: that is how the runtime applies backpressure.
///
/// Example:
///   flow::OutputStream out(STDOUT_FILENO);
///   out.append(R"({"opened":{}})" "\n");
///   out.flush();
class OutputStream {
 public:
  explicit OutputStream(int fd, std::size_t flush_threshold = 1 << 20);
  /// Does not flush: pending bytes are written only by an explicit flush(), so an error path
  /// never emits half a transaction.
  ~OutputStream() = default;
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;
  OutputStream(OutputStream&&) = delete;
  OutputStream& operator=(OutputStream&&) = delete;

  /// The pending bytes; append to it directly and then call maybe_flush().
  std::string& buffer() noexcept { return buffer_; }
  void append(std::string_view bytes) {
    buffer_.append(bytes);
    maybe_flush();
  }
  void maybe_flush() {
    if (buffer_.size() >= flush_threshold_) {
      flush();
    }
  }
  /// Writes every pending byte. Throws flow::Error if the fd fails (e.g. EPIPE).
  void flush();
  /// Flushes, then writes `pieces` straight to the fd (one writev, no copy): for messages
  /// too large to be worth buffering, such as a 100 MB document.
  void write_direct(std::span<const std::string_view> pieces);
  [[nodiscard]] std::size_t flush_threshold() const noexcept { return flush_threshold_; }

 private:
  int fd_;
  std::size_t flush_threshold_;
  std::string buffer_;
};

}  // namespace flow
