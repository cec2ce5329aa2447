// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <flow/line_reader.hpp>
#include <thread>

namespace {

/// A temp file holding `content`, positioned at its start.
class InputFile {
 public:
  explicit InputFile(const std::string& content) : file_(std::tmpfile()) {
    std::fwrite(content.data(), 1, content.size(), file_);
    std::fflush(file_);
    std::rewind(file_);
  }
  ~InputFile() { std::fclose(file_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  [[nodiscard]] int fd() const { return fileno(file_); }

 private:
  std::FILE* file_;
};

TEST(LineReader, SplitsLinesAndNumbersThem) {
  InputFile input("a\n\nbc\n");
  flow::LineReader reader(input.fd(), 2);  // tiny blocks: lines span several reads
  auto first = reader.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->text, "a");
  EXPECT_EQ(first->number, 1U);
  EXPECT_EQ(reader.next()->text, "");
  auto third = reader.next();
  EXPECT_EQ(third->text, "bc");
  EXPECT_TRUE(third->terminated);
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.line_count(), 3U);
}

TEST(LineReader, ReportsAFinalLineWithoutNewlineAsUnterminated) {
  InputFile input("one\ntwo");
  flow::LineReader reader(input.fd());
  EXPECT_TRUE(reader.next()->terminated);
  auto last = reader.next();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->text, "two");
  EXPECT_FALSE(last->terminated);
  EXPECT_FALSE(reader.next());
}

TEST(LineReader, ReadsALineMuchLargerThanItsBlockWithPaddingAfterIt) {
  const std::string big(40u << 20, 'x');
  InputFile input("s\n" + big + "\nt\n");
  flow::LineReader reader(input.fd(), 1 << 16);
  EXPECT_EQ(reader.next()->text, "s");
  auto line = reader.next();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text.size(), big.size());
  EXPECT_GE(line->capacity, line->text.size() + flow::LineReader::kLinePadding);
  EXPECT_EQ(reader.next()->text, "t");
}

TEST(LineReader, CancelStopsABlockedRead) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::atomic<bool> cancel{false};
  flow::LineReader reader(fds[0]);
  reader.set_cancel([&] { return cancel.load(); });
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel = true;
  });
  EXPECT_FALSE(reader.next());  // nothing was ever written: only the cancel ends this
  EXPECT_TRUE(reader.cancelled());
  canceller.join();
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
