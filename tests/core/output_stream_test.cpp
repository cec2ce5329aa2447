// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <flow/error.hpp>
#include <flow/output_stream.hpp>

namespace {

TEST(OutputStream, WritesOnlyOnFlushOrPastTheThreshold) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    flow::OutputStream out(fds[1], 8);
    out.append("abc");
    pollfd pfd{.fd = fds[0], .events = POLLIN, .revents = 0};
    EXPECT_EQ(poll(&pfd, 1, 0), 0);  // below the threshold: nothing written yet
    out.append("defghij");           // past 8 bytes: written
    char buffer[32];
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 10);
    out.append("k");
    out.flush();
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 1);
  }
  close(fds[0]);
  close(fds[1]);
}

TEST(OutputStream, AClosedReaderIsAnError) {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  flow::OutputStream out(fds[1]);
  out.append("x");
  EXPECT_THROW(out.flush(), flow::Error);
  close(fds[1]);
}

}  // namespace
