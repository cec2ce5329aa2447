// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstring>
#include <flow/line_reader.hpp>

#include "core/fd_input.hpp"

namespace flow {

LineReader::LineReader(int fd, std::size_t block_size)
    : fd_(fd), block_size_(block_size), buffer_(block_size + kLinePadding) {}

bool LineReader::fill() {
  // Reads go into the free tail of the buffer. When the tail is too small for a worthwhile
  // read, unconsumed bytes move to the front first; the buffer grows only when that is not
  // enough either (a line longer than the buffer). So a stream of ordinary lines stays in
  // one block-sized buffer.
  const std::size_t min_read = std::min<std::size_t>(block_size_, std::size_t{64} << 10);
  if (buffer_.size() - end_ < min_read + kLinePadding && begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < min_read + kLinePadding) {
    buffer_.resize(end_ + block_size_ + kLinePadding);
  }
  std::size_t bytes = 0;
  switch (detail::read_some(fd_, buffer_.data() + end_, buffer_.size() - end_ - kLinePadding,
                            cancelled_, bytes)) {
    case detail::ReadOutcome::data:
      end_ += bytes;
      return true;
    case detail::ReadOutcome::cancelled:
      was_cancelled_ = true;
      return false;
    case detail::ReadOutcome::eof:
      break;
  }
  return false;
}

std::optional<Line> LineReader::next() {
  for (;;) {
    if (scan_ < end_) {
      const void* nl = std::memchr(buffer_.data() + scan_, '\n', end_ - scan_);
      if (nl != nullptr) {
        const auto pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data());
        Line line{.text = std::string_view(buffer_.data() + begin_, pos - begin_),
                  .capacity = buffer_.size() - begin_,
                  .number = ++line_number_,
                  .terminated = true};
        begin_ = pos + 1;
        scan_ = begin_;
        return line;
      }
      scan_ = end_;
    }
    if (eof_ || !fill()) {
      if (was_cancelled_) {
        return std::nullopt;  // a partial line stays unconsumed: it was not complete
      }
      eof_ = true;
      if (begin_ == end_) {
        return std::nullopt;
      }
      Line line{.text = std::string_view(buffer_.data() + begin_, end_ - begin_),
                .capacity = buffer_.size() - begin_,
                .number = ++line_number_,
                .terminated = false};
      begin_ = end_;
      scan_ = end_;
      return line;
    }
  }
}

}  // namespace flow
