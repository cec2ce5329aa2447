// SPDX-License-Identifier: Apache-2.0
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <flow/error.hpp>
#include <flow/output_stream.hpp>
#include <string>
#include <vector>

namespace flow {

OutputStream::OutputStream(int fd, std::size_t flush_threshold)
    : fd_(fd), flush_threshold_(flush_threshold) {
  buffer_.reserve(flush_threshold + (flush_threshold / 4));
}

void OutputStream::flush() {
  std::size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n >= 0) {
      written += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      const int err = errno;
      buffer_.erase(0, written);
      throw Error(std::string("writing output: ") + std::strerror(err));
    }
  }
  buffer_.clear();
}

void OutputStream::write_direct(std::span<const std::string_view> pieces) {
  flush();
  std::vector<iovec> iov;
  iov.reserve(pieces.size());
  for (const auto piece : pieces) {
    if (!piece.empty()) {
      // writev takes non-const pointers but does not write through them.
      iov.push_back({const_cast<char*>(piece.data()), piece.size()});  // NOLINT
    }
  }
  std::size_t next = 0;
  while (next < iov.size()) {
    const ssize_t n = ::writev(fd_, iov.data() + next, static_cast<int>(iov.size() - next));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(std::string("writing output: ") + std::strerror(errno));
    }
    auto written = static_cast<std::size_t>(n);
    while (next < iov.size() && written >= iov[next].iov_len) {
      written -= iov[next].iov_len;
      ++next;
    }
    if (next < iov.size()) {
      iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + written;
      iov[next].iov_len -= written;
    }
  }
}

}  // namespace flow
