// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <flow/error.hpp>
#include <flow/line_reader.hpp>
#include <flow/process/child_process.hpp>
#include <flow/process/temp_dir.hpp>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using flow::process::ChildProcess;
using flow::process::ExitStatus;
using flow::process::SpawnOptions;
using namespace std::chrono_literals;

std::vector<std::string> read_lines(int fd) {
  std::vector<std::string> lines;
  flow::LineReader reader(fd);
  while (auto line = reader.next()) {
    lines.emplace_back(line->text);
  }
  return lines;
}

/// Reads `fd` to EOF.
std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return text;
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
}

/// True once `pid` no longer names a process of ours: not waitable and not signalable.
bool is_gone(pid_t pid) {
  errno = 0;
  const bool not_waitable = ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
  errno = 0;
  const bool not_signalable = ::kill(pid, 0) < 0 && errno == ESRCH;
  return not_waitable && not_signalable;
}

TEST(ChildProcess, ReadsStdoutLinesAndExitCode) {
  auto child = ChildProcess::spawn({.argv = {"/bin/sh", "-c", "printf 'one\\ntwo\\n'; exit 3"}});
  child.close_stdin();
  EXPECT_EQ(read_lines(child.stdout_fd()), (std::vector<std::string>{"one", "two"}));
  const ExitStatus status = child.wait();
  EXPECT_EQ(status.code, 3);
  EXPECT_EQ(status.signal, 0);
  EXPECT_FALSE(status.success());
  EXPECT_EQ(status.describe(), "exit code 3");
  EXPECT_EQ(child.wait().code, 3);  // idempotent
  EXPECT_EQ(child.try_wait()->code, 3);
}

// The stdout pipe gets the capacity asked for (within what this machine allows), and the
// default stays the kernel's: either way the child's output arrives whole.
TEST(ChildProcess, StdoutPipeCapacityIsTheOneAskedFor) {
  auto big = ChildProcess::spawn(
      {.argv = {"/bin/sh", "-c", "echo big"}, .stdout_pipe_bytes = std::size_t{1} << 20});
  big.close_stdin();
  const int asked = ::fcntl(big.stdout_fd(), F_GETPIPE_SZ);
  auto plain = ChildProcess::spawn({.argv = {"/bin/sh", "-c", "echo plain"}});
  plain.close_stdin();
  const int kernel_default = ::fcntl(plain.stdout_fd(), F_GETPIPE_SZ);
  int fresh[2];
  ASSERT_EQ(::pipe(fresh), 0);
  EXPECT_EQ(kernel_default, ::fcntl(fresh[0], F_GETPIPE_SZ));  // untouched without the option
  ::close(fresh[0]);
  ::close(fresh[1]);
  // 1 MiB is pipe-max-size's default; a machine configured lower keeps at least the default.
  EXPECT_GE(asked, kernel_default);
  if (std::filesystem::exists("/proc/sys/fs/pipe-max-size")) {
    std::ifstream max_file("/proc/sys/fs/pipe-max-size");
    long max_size = 0;
    max_file >> max_size;
    if (max_size >= (1L << 20) || geteuid() == 0) {
      EXPECT_EQ(asked, 1 << 20);
    }
  }
  EXPECT_EQ(read_lines(big.stdout_fd()), (std::vector<std::string>{"big"}));
  EXPECT_EQ(read_lines(plain.stdout_fd()), (std::vector<std::string>{"plain"}));
  EXPECT_TRUE(big.wait().success());
  EXPECT_TRUE(plain.wait().success());
}

TEST(ChildProcess, MissingProgramIsAClearError) {
  try {
    (void)ChildProcess::spawn({.argv = {"flow-no-such-program-42"}});
    FAIL() << "spawn succeeded";
  } catch (const flow::Error& error) {
    EXPECT_STREQ(error.what(), "cannot start 'flow-no-such-program-42': No such file or directory");
  }
}

TEST(ChildProcess, NonExecutableProgramIsAClearError) {
  flow::process::TempDir dir("flow-process-test");
  const std::string script = dir.write_file("not-executable.sh", "#!/bin/sh\necho hi\n");
  try {
    (void)ChildProcess::spawn({.argv = {script}});
    FAIL() << "spawn succeeded";
  } catch (const flow::Error& error) {
    EXPECT_EQ(std::string(error.what()), "cannot start '" + script + "': Permission denied");
  }
}

TEST(ChildProcess, EmptyArgvIsRejected) {
  EXPECT_THROW((void)ChildProcess::spawn({.argv = {}}), flow::Error);
}

TEST(ChildProcess, EnvOverridesAreMergedOverOurs) {
  ASSERT_EQ(::setenv("FLOW_PROCESS_TEST_KEPT", "inherited", 1), 0);
  ASSERT_EQ(::setenv("FLOW_PROCESS_TEST_REPLACED", "old", 1), 0);
  auto child = ChildProcess::spawn(
      {.argv = {"/bin/sh", "-c",
                "echo \"$FLOW_PROCESS_TEST_KEPT\"; echo \"$FLOW_PROCESS_TEST_REPLACED\"; "
                "echo \"$FLOW_PROCESS_TEST_NEW\"; env | grep -c '^FLOW_PROCESS_TEST_REPLACED='"},
       .env = {{"FLOW_PROCESS_TEST_REPLACED", "new"}, {"FLOW_PROCESS_TEST_NEW", "a b=c"}},
       .pipe_stdin = false});
  EXPECT_EQ(read_lines(child.stdout_fd()),
            (std::vector<std::string>{"inherited", "new", "a b=c", "1"}));
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, RunsInTheWorkingDirectory) {
  flow::process::TempDir dir("flow-process-test");
  auto child = ChildProcess::spawn(
      {.argv = {"pwd", "-P"}, .working_directory = dir.path(), .pipe_stdin = false});
  const auto lines = read_lines(child.stdout_fd());
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0], std::filesystem::canonical(dir.path()).string());
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, MissingWorkingDirectoryIsAClearError) {
  try {
    (void)ChildProcess::spawn({.argv = {"pwd"}, .working_directory = "/nonexistent/flow/dir"});
    FAIL() << "spawn succeeded";
  } catch (const flow::Error& error) {
    EXPECT_STREQ(error.what(), "cannot start 'pwd': No such file or directory");
  }
}

TEST(ChildProcess, StdinBytesComeBackThroughCat) {
  auto child = ChildProcess::spawn({.argv = {"cat"}});
  const std::string input = "hello\nworld";
  ASSERT_EQ(::write(child.stdin_fd(), input.data(), input.size()),
            static_cast<ssize_t>(input.size()));
  child.close_stdin();
  EXPECT_EQ(child.stdin_fd(), -1);
  EXPECT_EQ(read_lines(child.stdout_fd()), (std::vector<std::string>{"hello", "world"}));
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, LargeStdoutAndStderrTogetherDoNotDeadlock) {
  // 50 MB on stdout while 5 MB go to stderr, interleaved: both pipes must be drained at once.
  const char* script =
      "import sys\n"
      "line = 'x' * 99 + '\\n'\n"
      "out, err = sys.stdout, sys.stderr\n"
      "for i in range(500000):\n"
      "    out.write(line)\n"
      "    if i % 10 == 0:\n"
      "        err.write(line)\n";
  auto child = ChildProcess::spawn({.argv = {"python3", "-c", script}, .pipe_stdin = false});
  std::size_t stderr_bytes = 0;
  std::thread stderr_reader([&] { stderr_bytes = read_all(child.stderr_fd()).size(); });
  std::size_t stdout_bytes = 0;
  std::size_t stdout_lines = 0;
  flow::LineReader reader(child.stdout_fd());
  while (auto line = reader.next()) {
    stdout_bytes += line->text.size() + 1;
    ++stdout_lines;
  }
  stderr_reader.join();
  EXPECT_TRUE(child.wait().success());
  EXPECT_EQ(stdout_lines, 500000U);
  EXPECT_EQ(stdout_bytes, 50'000'000U);
  EXPECT_EQ(stderr_bytes, 5'000'000U);
}

TEST(ChildProcess, TerminateStopsAWellBehavedChildWithSigterm) {
  auto child = ChildProcess::spawn(
      {.argv = {"/bin/sh", "-c", "echo ready; exec sleep 30"}, .pipe_stdin = false});
  flow::LineReader reader(child.stdout_fd());
  ASSERT_EQ(reader.next()->text, "ready");
  EXPECT_FALSE(child.try_wait().has_value());
  const ExitStatus status = child.terminate(5s);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_EQ(status.describe(), "killed by signal 15 (SIGTERM)");
  EXPECT_TRUE(is_gone(child.pid()));
}

TEST(ChildProcess, TerminateKillsAChildThatIgnoresSigtermAfterGrace) {
  auto child = ChildProcess::spawn({.argv = {"/bin/sh", "-c", "trap '' TERM; echo ready; sleep 30"},
                                    .pipe_stdin = false,
                                    .new_process_group = true});
  flow::LineReader reader(child.stdout_fd());
  ASSERT_EQ(reader.next()->text, "ready");  // the trap is installed
  const auto started = std::chrono::steady_clock::now();
  const ExitStatus status = child.terminate(200ms);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(is_gone(child.pid()));
  // The whole group went, sleep included: nobody holds stdout open any more.
  EXPECT_FALSE(reader.next().has_value());
}

TEST(ChildProcess, DescribesExitStatuses) {
  EXPECT_EQ((ExitStatus{.code = 0}).describe(), "exit code 0");
  EXPECT_EQ((ExitStatus{.code = 3}).describe(), "exit code 3");
  EXPECT_EQ((ExitStatus{.signal = 9}).describe(), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ((ExitStatus{.signal = 11}).describe(), "killed by signal 11 (SIGSEGV)");
  EXPECT_TRUE((ExitStatus{}).success());
  EXPECT_FALSE((ExitStatus{.signal = 15}).success());
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid = -1;
  {
    auto child = ChildProcess::spawn({.argv = {"sleep", "30"}});
    pid = child.pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_TRUE(is_gone(pid));
}

TEST(ChildProcess, MoveAssignmentReapsTheChildItReplaces) {
  auto first = ChildProcess::spawn({.argv = {"sleep", "30"}});
  const pid_t first_pid = first.pid();
  auto second = ChildProcess::spawn({.argv = {"/bin/sh", "-c", "exit 7"}});
  const pid_t second_pid = second.pid();
  first = std::move(second);
  EXPECT_TRUE(is_gone(first_pid));
  EXPECT_EQ(first.pid(), second_pid);
  EXPECT_EQ(first.wait().code, 7);
}

TEST(ChildProcess, ChildrenDoNotInheritOtherChildrensPipes) {
  // If `bystander` inherited cat's stdin write end, cat would never see EOF.
  auto cat = ChildProcess::spawn({.argv = {"cat"}});
  auto bystander = ChildProcess::spawn({.argv = {"sleep", "30"}});
  cat.close_stdin();
  EXPECT_TRUE(read_lines(cat.stdout_fd()).empty());
  EXPECT_TRUE(cat.wait().success());
}

TEST(ChildProcess, ChildStartsWithDefaultSignalsWhateverWeBlockOrIgnore) {
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previous), 0);
  sigset_t usr1;
  sigset_t previous_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &previous_mask), 0);

  auto child = ChildProcess::spawn(
      {.argv = {"grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"}, .pipe_stdin = false});
  const auto lines = read_lines(child.stdout_fd());
  EXPECT_TRUE(child.wait().success());
  ::sigaction(SIGPIPE, &previous, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);

  // Bits of the classic signals 1..31. (glibc's posix_spawn ignores its two internal
  // real-time signals, 32 and 33, in the child; no program uses them.)
  ASSERT_EQ(lines.size(), 2U);
  for (const std::string& line : lines) {
    const auto mask = std::stoull(line.substr(line.find('\t') + 1), nullptr, 16);
    EXPECT_EQ(mask & 0x7fffffffULL, 0U) << line;
  }
}

TEST(ChildProcess, UnpipedStdoutGoesToOurStderrNeverOurStdout) {
  flow::process::TempDir dir("flow-process-test");
  const std::string out_path = dir.path() + "/out";
  const std::string err_path = dir.path() + "/err";
  const int out_file = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  const int err_file = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(out_file, 0);
  ASSERT_GE(err_file, 0);
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = ::dup(STDOUT_FILENO);
  const int saved_err = ::dup(STDERR_FILENO);
  ::dup2(out_file, STDOUT_FILENO);
  ::dup2(err_file, STDERR_FILENO);
  ExitStatus status;
  try {
    auto child =
        ChildProcess::spawn({.argv = {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2"},
                             .pipe_stdin = false,
                             .pipe_stdout = false,
                             .pipe_stderr = false});
    EXPECT_EQ(child.stdout_fd(), -1);
    EXPECT_EQ(child.stderr_fd(), -1);
    status = child.wait();
  } catch (...) {
    status.code = -1;
  }
  ::dup2(saved_out, STDOUT_FILENO);
  ::dup2(saved_err, STDERR_FILENO);
  ::close(saved_out);
  ::close(saved_err);
  ::close(out_file);
  ::close(err_file);
  EXPECT_TRUE(status.success());

  const int out_read = ::open(out_path.c_str(), O_RDONLY | O_CLOEXEC);
  const int err_read = ::open(err_path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_EQ(read_all(out_read), "");
  EXPECT_EQ(read_all(err_read), "to-stdout\nto-stderr\n");
  ::close(out_read);
  ::close(err_read);
}

}  // namespace
