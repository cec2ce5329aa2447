// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <common/child_session.hpp>
#include <csignal>
#include <cstdio>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/process/temp_dir.hpp>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using flow::shims::ChildSession;
using flow::shims::ChildSessionOptions;
using namespace std::chrono_literals;

/// Collects stderr lines from the session's stderr thread.
struct LineCollector {
  std::mutex mutex;
  std::vector<std::string> lines;

  flow::shims::StderrLineHandler handler() {
    return [this](std::string_view line) {
      const std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
};

std::vector<std::string> stdout_lines(ChildSession& session) {
  std::vector<std::string> lines;
  while (auto line = session.next_stdout_line()) {
    lines.emplace_back(line->text);
  }
  return lines;
}

bool is_gone(pid_t pid) {
  errno = 0;
  const bool not_waitable = ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
  errno = 0;
  const bool not_signalable = ::kill(pid, 0) < 0 && errno == ESRCH;
  return not_waitable && not_signalable;
}

ChildSessionOptions shell(const std::string& script) {
  return {.argv = {"/bin/sh", "-c", script}};
}

/// Redirects our stderr (where Flow log lines go) into a file for the scope of a test.
class CapturedStderr {
 public:
  CapturedStderr() : dir_("flow-session-test"), path_(dir_.path() + "/stderr") {
    file_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(file_, STDERR_FILENO);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  CapturedStderr(CapturedStderr&&) = delete;
  CapturedStderr& operator=(CapturedStderr&&) = delete;
  ~CapturedStderr() { restore(); }

  /// Restores stderr and returns the Flow log lines written meanwhile.
  std::vector<nlohmann::json> logs() {
    restore();
    std::ifstream in(path_);
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) {
      lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
  }

 private:
  void restore() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
      ::close(file_);
      saved_ = -1;
    }
  }

  flow::process::TempDir dir_;
  std::string path_;
  int file_ = -1;
  int saved_ = -1;
};

TEST(ChildSession, StdoutLinesAndEveryStderrLineReachTheirReaders) {
  LineCollector collected;
  auto options = shell("echo one >&2; echo out1; echo two >&2; echo out2; printf three >&2");
  options.on_stderr_line = collected.handler();
  auto session = ChildSession::start(std::move(options));
  EXPECT_EQ(stdout_lines(*session), (std::vector<std::string>{"out1", "out2"}));
  EXPECT_EQ(session->stdout_line_count(), 2U);
  const auto status = session->finish();
  EXPECT_TRUE(status.success());
  EXPECT_EQ(collected.lines, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(session->failure_message(status), "");
  EXPECT_EQ(session->finish().code, 0);  // idempotent
}

TEST(ChildSession, DefaultHandlerForwardsStderrAsFlowLogLines) {
  flow::log::init();
  const auto previous_level = flow::log::level();
  flow::log::set_level(flow::log::Level::debug);
  CapturedStderr captured;
  {
    auto session = ChildSession::start(
        shell(R"(echo 'INFO starting' >&2; echo 'connection failed' >&2; echo >&2; )"
              R"(echo '{"level":"WARNING","msg":"slow","fields":{"page":2}}' >&2; )"
              R"(echo 'plain words' >&2)"));
    EXPECT_TRUE(session->finish().success());
  }
  const auto logs = captured.logs();
  flow::log::set_level(previous_level);

  ASSERT_EQ(logs.size(), 4U);  // the blank line is not forwarded
  const std::vector<std::pair<std::string, std::string>> expected = {{"info", "INFO starting"},
                                                                     {"error", "connection failed"},
                                                                     {"warn", "slow"},
                                                                     {"info", "plain words"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(logs[i]["level"], expected[i].first) << logs[i];
    EXPECT_EQ(logs[i]["message"], expected[i].second) << logs[i];
    EXPECT_EQ(logs[i]["fields"]["source"], "child stderr") << logs[i];
  }
  EXPECT_EQ(logs[2]["fields"]["page"], 2);
}

TEST(ChildSession, FailureMessageCarriesTheLastErrorLines) {
  LineCollector quiet;
  auto options = shell(
      "echo starting >&2; echo 'ERROR: bad thing' >&2; echo 'Traceback (most recent call "
      "last):' >&2; echo 'ValueError: failed to parse' >&2; exit 2");
  options.on_stderr_line = quiet.handler();
  auto session = ChildSession::start(std::move(options));
  const auto status = session->finish();
  EXPECT_EQ(status.code, 2);
  EXPECT_EQ(session->last_error_text(), "ERROR: bad thing\nValueError: failed to parse");
  EXPECT_EQ(session->failure_message(status),
            "'/bin/sh' failed with exit code 2: ERROR: bad thing | ValueError: failed to parse");
}

TEST(ChildSession, KeepsOnlyTheLastErrorLines) {
  LineCollector quiet;
  auto options = shell("for i in 1 2 3 4 5; do echo \"error $i\" >&2; done; exit 1");
  options.on_stderr_line = quiet.handler();
  options.error_lines_kept = 3;
  auto session = ChildSession::start(std::move(options));
  EXPECT_EQ(session->finish().code, 1);
  EXPECT_EQ(session->last_error_text(), "error 3\nerror 4\nerror 5");
}

TEST(ChildSession, WithoutErrorLinesTheLastStderrLinesExplainTheFailure) {
  LineCollector quiet;
  auto options = shell("for i in 1 2 3 4 5 6 7; do echo \"note $i\" >&2; done; exit 4");
  options.on_stderr_line = quiet.handler();
  auto session = ChildSession::start(std::move(options));
  const auto status = session->finish();
  EXPECT_EQ(session->last_error_text(), "note 3\nnote 4\nnote 5\nnote 6\nnote 7");
  EXPECT_EQ(session->failure_message(status),
            "'/bin/sh' failed with exit code 4: note 3 | note 4 | note 5 | note 6 | note 7");
}

TEST(ChildSession, WatchdogKillsASilentChild) {
  auto options = shell("exec sleep 30");
  options.idle_timeout = 300ms;
  options.kill_grace = 2s;
  auto session = ChildSession::start(std::move(options));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(stdout_lines(*session).empty());
  const auto status = session->finish();
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(session->timed_out());
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(session->failure_message(status), "'/bin/sh' produced no output for 300ms; killed");
}

TEST(ChildSession, WatchdogKillsAChildThatIgnoresSigterm) {
  // The timeout leaves sh ample time to install its trap even on a loaded machine.
  auto options = shell("trap '' TERM; echo ready; sleep 30");
  options.idle_timeout = 600ms;
  options.kill_grace = 200ms;
  auto session = ChildSession::start(std::move(options));
  EXPECT_EQ(stdout_lines(*session), (std::vector<std::string>{"ready"}));
  const auto status = session->finish();
  EXPECT_TRUE(session->timed_out());
  EXPECT_EQ(status.signal, SIGKILL);
}

TEST(ChildSession, WatchdogSparesAChildThatKeepsTalking) {
  LineCollector collected;
  auto options = shell("for i in 1 2 3 4 5 6 7 8; do echo $i; echo e$i >&2; sleep 0.05; done");
  options.idle_timeout = 500ms;
  options.on_stderr_line = collected.handler();
  auto session = ChildSession::start(std::move(options));
  EXPECT_EQ(stdout_lines(*session).size(), 8U);
  EXPECT_TRUE(session->finish().success());
  EXPECT_FALSE(session->timed_out());
  EXPECT_EQ(collected.lines.size(), 8U);
}

TEST(ChildSession, WatchdogDoesNotBlameTheChildWhileTheShimIsBusy) {
  // The child fills the stdout pipe and blocks; the shim holds a line for longer than the
  // idle timeout (as when Flow is slow to read). That silence is ours, not the child's.
  auto options = shell("yes 123456789 | head -n 200000");
  options.idle_timeout = 400ms;
  auto session = ChildSession::start(std::move(options));
  ASSERT_TRUE(session->next_stdout_line().has_value());
  std::this_thread::sleep_for(1000ms);
  std::size_t lines = 1;
  while (session->next_stdout_line()) {
    ++lines;
  }
  EXPECT_EQ(lines, 200000U);
  EXPECT_TRUE(session->finish().success());
  EXPECT_FALSE(session->timed_out());
}

TEST(ChildSession, ACrashIsReportedAsASignal) {
  LineCollector quiet;
  auto options = shell("echo 'about to crash' >&2; kill -SEGV $$");
  options.on_stderr_line = quiet.handler();
  auto session = ChildSession::start(std::move(options));
  const auto status = session->finish();
  EXPECT_EQ(status.signal, SIGSEGV);
  EXPECT_EQ(session->failure_message(status),
            "'/bin/sh' failed with killed by signal 11 (SIGSEGV): about to crash");
}

TEST(ChildSession, StopFromAnotherThreadEndsTheStreamTheShimIsReading) {
  auto session = ChildSession::start(shell("echo ready; exec sleep 30"));
  ASSERT_EQ(session->next_stdout_line()->text, "ready");
  std::thread stopper([&] { session->stop(2s); });
  EXPECT_FALSE(session->next_stdout_line().has_value());
  stopper.join();
  const auto status = session->finish();
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_TRUE(session->stop_requested());
  EXPECT_FALSE(session->timed_out());
  EXPECT_EQ(session->failure_message(status), "'/bin/sh' stopped: killed by signal 15 (SIGTERM)");
}

TEST(ChildSession, StopKillsAChildThatIgnoresSigtermAndItsGrandchildren) {
  auto session = ChildSession::start(shell("trap '' TERM; echo ready; sleep 30; echo never"));
  ASSERT_EQ(session->next_stdout_line()->text, "ready");
  session->stop(200ms);
  EXPECT_FALSE(session->next_stdout_line().has_value());  // sleep died too: stdout closed
  EXPECT_EQ(session->finish().signal, SIGKILL);
}

TEST(ChildSession, StdinBytesAreWrittenWhileStdoutIsRead) {
  std::string input;
  for (int i = 0; i < 100000; ++i) {
    input += "line " + std::to_string(i) + "\n";
  }
  auto session = ChildSession::start({.argv = {"cat"}, .stdin_bytes = input});
  std::string echoed;
  while (auto line = session->next_stdout_line()) {
    echoed.append(line->text);
    echoed += '\n';
  }
  EXPECT_EQ(echoed, input);
  EXPECT_TRUE(session->finish().success());
}

TEST(ChildSession, WithoutStdinTheChildReadsEof) {
  auto session = ChildSession::start({.argv = {"cat"}});
  EXPECT_TRUE(stdout_lines(*session).empty());
  EXPECT_TRUE(session->finish().success());
}

TEST(ChildSession, StdinPipeTakesWritesUntilClosed) {
  auto session = ChildSession::start({.argv = {"cat"}, .stdin_pipe = true});
  session->write_stdin("first\n");
  ASSERT_EQ(session->next_stdout_line()->text, "first");
  session->write_stdin("second\n");
  session->close_stdin();
  EXPECT_EQ(stdout_lines(*session), (std::vector<std::string>{"second"}));
  EXPECT_TRUE(session->finish().success());
  EXPECT_THROW(session->write_stdin("late"), flow::Error);
}

TEST(ChildSession, WritingToAChildThatClosedStdinThrowsInsteadOfRaisingSigpipe) {
  auto session = ChildSession::start(
      {.argv = {"/bin/sh", "-c", "exec 0<&-; echo closed; exec sleep 30"}, .stdin_pipe = true});
  ASSERT_EQ(session->next_stdout_line()->text, "closed");
  try {
    session->write_stdin("nobody reads this\n");
    FAIL() << "write succeeded";
  } catch (const flow::Error& error) {
    EXPECT_STREQ(error.what(), "'/bin/sh' closed its stdin");
  }
  session->stop(2s);
  EXPECT_EQ(session->finish().signal, SIGTERM);
}

TEST(ChildSession, OptionsAreChecked) {
  EXPECT_THROW((void)ChildSession::start({.argv = {}}), flow::Error);
  EXPECT_THROW((void)ChildSession::start({.argv = {"cat"}, .stdin_bytes = "x", .stdin_pipe = true}),
               flow::Error);
  try {
    (void)ChildSession::start({.argv = {"flow-no-such-tap"}});
    FAIL() << "started";
  } catch (const flow::Error& error) {
    EXPECT_STREQ(error.what(), "cannot start 'flow-no-such-tap': No such file or directory");
  }
}

TEST(ChildSession, DestructorMidStreamKillsReapsAndJoins) {
  pid_t pid = -1;
  {
    auto session = ChildSession::start({.argv = {"yes"}, .idle_timeout = 10s});
    pid = session->pid();
    ASSERT_EQ(session->next_stdout_line()->text, "y");
    // The shim throws here; the session goes out of scope with the child still writing.
  }
  EXPECT_TRUE(is_gone(pid));
}

TEST(ChildSession, ALeftoverGrandchildHoldingThePipesDoesNotHangTheShim) {
  // sh exits at once; its background sleep keeps stdout and stderr open.
  LineCollector quiet;
  auto options = shell("sleep 30 & echo done");
  options.on_stderr_line = quiet.handler();
  flow::log::init();
  CapturedStderr captured;
  auto session = ChildSession::start(std::move(options));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(stdout_lines(*session), (std::vector<std::string>{"done"}));
  EXPECT_TRUE(session->finish().success());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  const auto logs = captured.logs();
  ASSERT_EQ(logs.size(), 1U);
  EXPECT_EQ(logs[0]["level"], "warn");
  EXPECT_EQ(logs[0]["message"],
            "child exited but its output pipes stay open; killing its process group");
  EXPECT_EQ(logs[0]["fields"]["program"], "/bin/sh");
}

TEST(ChildSession, ASlowShimAfterTheChildExitedLosesNothing) {
  // The child is done and gone while the shim still works through its output: no straggler
  // to kill, no warning, every line still there.
  flow::log::init();
  CapturedStderr captured;
  auto session = ChildSession::start(shell("echo 1; echo 2; echo 3"));
  ASSERT_EQ(session->next_stdout_line()->text, "1");
  std::this_thread::sleep_for(1300ms);  // longer than the straggler grace
  EXPECT_EQ(stdout_lines(*session), (std::vector<std::string>{"2", "3"}));
  EXPECT_TRUE(session->finish().success());
  EXPECT_EQ(captured.logs(), std::vector<nlohmann::json>{});
}

TEST(ChildSession, EnvAndWorkingDirectoryReachTheChild) {
  flow::process::TempDir dir("flow-session-test");
  auto session = ChildSession::start({.argv = {"/bin/sh", "-c", "echo \"$TAP_MODE\"; pwd -P"},
                                      .env = {{"TAP_MODE", "discover"}},
                                      .working_directory = dir.path()});
  const auto lines = stdout_lines(*session);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0], "discover");
  EXPECT_EQ(lines[1], std::filesystem::canonical(dir.path()).string());
  EXPECT_TRUE(session->finish().success());
}

}  // namespace
