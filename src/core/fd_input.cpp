// SPDX-License-Identifier: Apache-2.0
#include "core/fd_input.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <flow/error.hpp>
#include <string>

namespace flow::detail {

namespace {
// How long a cancellable read waits before asking again; it bounds how late a session notices
// that it is over (a session end waits for its stdin reader).
constexpr int kCancelPollMs = 20;
}  // namespace

ReadOutcome read_some(int fd,
                      char* destination,
                      std::size_t capacity,
                      const std::function<bool()>& cancelled,
                      std::size_t& bytes) {
  bytes = 0;
  for (;;) {
    if (cancelled) {
      if (cancelled()) {
        return ReadOutcome::cancelled;
      }
      pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
      const int ready = ::poll(&pfd, 1, kCancelPollMs);
      if (ready == 0 || (ready < 0 && errno == EINTR)) {
        continue;
      }
    }
    const ssize_t n = ::read(fd, destination, capacity);
    if (n > 0) {
      bytes = static_cast<std::size_t>(n);
      return ReadOutcome::data;
    }
    if (n == 0) {
      return ReadOutcome::eof;
    }
    if (errno != EINTR) {
      throw Error(std::string("reading input: ") + std::strerror(errno));
    }
  }
}

}  // namespace flow::detail
