// SPDX-License-Identifier: Apache-2.0
#pragma once

// A file descriptor whose contents are the fuzz input, rewound for each run, so a target can
// hand the input to a production serve() loop exactly as stdin would deliver it.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <flow/io_buffer_sizes.hpp>

namespace flow::fuzz {

/// Buffer sizes for a serve() loop under fuzzing. The production megabyte blocks would be
/// allocated (a fresh mmap under ASan) and zero-filled by every run, which cost about two
/// thirds of the session targets' time; small blocks also make requests span reads, so the
/// readers' compaction and growth are fuzzed too.
inline constexpr IoBufferSizes kFuzzBuffers{.read_block = 512, .flush_threshold = 4096};

/// Example:
///   static flow::fuzz::MemfdInput input;
///   flow::materialize::serve(connector, input.load(data, size), input.null_fd());
class MemfdInput {
 public:
  MemfdInput()
      : fd_(::memfd_create("fuzz-input", MFD_CLOEXEC)),
        null_fd_(::open("/dev/null", O_WRONLY | O_CLOEXEC)) {
    if (fd_ < 0 || null_fd_ < 0) {
      std::perror("fuzz: memfd_create or /dev/null");
      std::abort();
    }
  }
  MemfdInput(const MemfdInput&) = delete;
  MemfdInput& operator=(const MemfdInput&) = delete;
  MemfdInput(MemfdInput&&) = delete;
  MemfdInput& operator=(MemfdInput&&) = delete;
  ~MemfdInput() {
    ::close(fd_);
    ::close(null_fd_);
  }

  /// Replaces the contents with the input and rewinds; returns the fd to read.
  int load(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0 ||
        (size > 0 && ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)) ||
        ::lseek(fd_, 0, SEEK_SET) != 0) {
      std::perror("fuzz: loading the memfd");
      std::abort();
    }
    return fd_;
  }
  [[nodiscard]] int null_fd() const noexcept { return null_fd_; }

 private:
  int fd_;
  int null_fd_;
};

}  // namespace flow::fuzz
