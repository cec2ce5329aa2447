// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <flow/error.hpp>
#include <flow/frame_reader.hpp>
#include <string>

#include "core/fd_input.hpp"

namespace flow {

namespace {

constexpr std::size_t kHeaderBytes = 4;

std::uint32_t read_u32_le(const char* bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
         (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

/// A hint for the most likely cause of a broken frame: JSON text where frames were expected.
std::string codec_hint(std::string_view header) {
  const bool looks_like_json =
      !header.empty() && (header.front() == '{' || header.front() == ' ' ||
                          header.front() == '\n' || header.front() == '\t');
  return looks_like_json ? " (the input looks like JSON text: is the runtime speaking the JSON "
                           "codec? set FLOW_RUNTIME_CODEC=json)"
                         : "";
}

}  // namespace

FrameReader::FrameReader(int fd, std::size_t block_size, std::size_t max_frame_bytes)
    : fd_(fd),
      block_size_(block_size),
      max_frame_bytes_(max_frame_bytes),
      buffer_(block_size + kFramePadding) {}

bool FrameReader::buffer_at_least(std::size_t needed) {
  while (end_ - begin_ < needed) {
    // Compact before growing: unconsumed bytes move to the front.
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    // Grow by what arrives, not by what the header declares: a corrupt length must not
    // allocate a gigabyte before the bytes exist.
    // kFramePadding bytes always stay free after the data, so simdjson can parse a document
    // inside a frame in place.
    if (buffer_.size() - end_ < block_size_ + kFramePadding) {
      buffer_.resize(end_ + block_size_ + kFramePadding);
    }
    std::size_t bytes = 0;
    switch (detail::read_some(fd_, buffer_.data() + end_, buffer_.size() - end_ - kFramePadding,
                              cancelled_, bytes)) {
      case detail::ReadOutcome::data:
        end_ += bytes;
        break;
      case detail::ReadOutcome::cancelled:
        was_cancelled_ = true;
        return false;
      case detail::ReadOutcome::eof:
        return false;
    }
  }
  return true;
}

std::optional<Frame> FrameReader::next() {
  const std::size_t number = frame_number_ + 1;
  if (!buffer_at_least(kHeaderBytes)) {
    if (was_cancelled_ || begin_ == end_) {
      return std::nullopt;
    }
    const std::string_view partial(buffer_.data() + begin_, end_ - begin_);
    throw ProtocolError(number, "input ended inside a frame's 4-byte length (" +
                                    std::to_string(partial.size()) + " byte(s))" +
                                    codec_hint(partial));
  }
  // A copy: reading the rest of the frame may move the buffer.
  char header_bytes[kHeaderBytes];
  std::memcpy(header_bytes, buffer_.data() + begin_, kHeaderBytes);
  const std::string_view header(header_bytes, kHeaderBytes);
  const std::size_t size = read_u32_le(header.data());
  if (size > max_frame_bytes_) {
    throw ProtocolError(number, "frame declares " + std::to_string(size) +
                                    " bytes, over the limit of " +
                                    std::to_string(max_frame_bytes_) + codec_hint(header));
  }
  if (!buffer_at_least(kHeaderBytes + size)) {
    if (was_cancelled_) {
      return std::nullopt;
    }
    throw ProtocolError(
        number, "input ended inside a frame: got " + std::to_string(end_ - begin_ - kHeaderBytes) +
                    " of its " + std::to_string(size) + " bytes (truncated?)" + codec_hint(header));
  }
  Frame frame{.bytes = std::string_view(buffer_.data() + begin_ + kHeaderBytes, size),
              .number = number};
  begin_ += kHeaderBytes + size;
  frame_number_ = number;
  return frame;
}

}  // namespace flow
