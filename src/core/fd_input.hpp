// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: one cancellable read(2), shared by LineReader and FrameReader.

#include <cstddef>
#include <functional>

namespace flow::detail {

enum class ReadOutcome { data, eof, cancelled };

/// Reads up to `capacity` bytes into `destination`, retrying EINTR; `bytes` gets the count.
/// With a `cancelled` callback it waits with poll() in 20 ms slices and asks the callback
/// between them, so another thread or a signal can stop a blocked read. Throws flow::Error
/// on read errors.
ReadOutcome read_some(int fd,
                      char* destination,
                      std::size_t capacity,
                      const std::function<bool()>& cancelled,
                      std::size_t& bytes);

}  // namespace flow::detail
