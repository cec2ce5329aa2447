// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace flow {

/// One length-prefixed protobuf message read by FrameReader: `bytes` excludes the 4-byte
/// length. It stays valid until the next call to next(). At least FrameReader::kFramePadding
/// readable bytes follow it, so a JSON document inside it can be parsed in place by simdjson.
struct Frame {
  std::string_view bytes;
  std::size_t number = 0;  ///< 1-based frame number
};

/// Reads the protobuf codec's frames from a file descriptor: a 4-byte little-endian length N,
/// then N bytes of message (PROTOCOL.md §1.4). Input is read in large blocks; a frame may be
/// as large as `max_frame_bytes` (1 GiB by default: an Open carries every collection schema).
///
/// Example:
///   flow::FrameReader reader(STDIN_FILENO);
///   while (auto frame = reader.next()) request.ParseFromArray(frame->bytes.data(), ...);
class FrameReader {
 public:
  static constexpr std::size_t kDefaultMaxFrameBytes = std::size_t{1} << 30;
  static constexpr std::size_t kFramePadding = 64;  // >= SIMDJSON_PADDING, as LineReader

  explicit FrameReader(int fd,
                       std::size_t block_size = 1 << 20,
                       std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

  /// As LineReader::set_cancel(): next() returns nullopt, with cancelled() true, once
  /// `cancelled` returns true while waiting for input.
  void set_cancel(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }
  [[nodiscard]] bool cancelled() const noexcept { return was_cancelled_; }

  /// The next frame, or nullopt at EOF on a frame boundary. Throws flow::ProtocolError for
  /// input that ends inside a frame or declares a frame larger than the limit (the message
  /// says when the bytes look like JSON: a codec mismatch), and flow::Error on read errors.
  std::optional<Frame> next();

  /// Frames returned so far.
  [[nodiscard]] std::size_t frame_count() const noexcept { return frame_number_; }

 private:
  /// Reads until at least `needed` unconsumed bytes are buffered; false at EOF or cancel.
  bool buffer_at_least(std::size_t needed);

  int fd_;
  std::size_t block_size_;
  std::size_t max_frame_bytes_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // start of unconsumed bytes
  std::size_t end_ = 0;    // end of valid bytes
  std::size_t frame_number_ = 0;
  std::function<bool()> cancelled_;
  bool was_cancelled_ = false;
};

}  // namespace flow
