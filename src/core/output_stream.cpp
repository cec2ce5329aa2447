// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <flow/error.hpp>
#include <flow/output_stream.hpp>
#include <string>

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

}  // namespace flow
