// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

namespace flow {

/// How much a serve() loop buffers. Requests are read from stdin in blocks of `read_block`
/// bytes (a longer request grows the buffer to fit it); responses are written once
/// `flush_threshold` bytes are pending, and at every protocol boundary regardless. The
/// defaults suit production. Tests and fuzzers pass small sizes, so that requests span reads
/// and a session does not start by allocating two megabytes.
///
/// Example:
///   flow::materialize::serve(connector, in_fd, out_fd,
///                            {.buffers = {.read_block = 512, .flush_threshold = 4096}});
struct IoBufferSizes {
  std::size_t read_block = std::size_t{1} << 20;
  std::size_t flush_threshold = std::size_t{1} << 20;
};

}  // namespace flow
