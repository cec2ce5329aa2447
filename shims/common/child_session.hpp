// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <flow/line_reader.hpp>
#include <flow/process/child_process.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

/// The child-session layer shared by the Airbyte and Singer shims (target flow::shim_common).
/// Include it as `#include <common/child_session.hpp>`: the target puts `shims/` on the
/// include path.
namespace flow::shims {

/// Receives each line the child writes to stderr (without the '\n'), on the session's
/// stderr thread. Must not throw.
using StderrLineHandler = std::function<void(std::string_view line)>;

/// How to run one child of a shim.
struct ChildSessionOptions {
  std::vector<std::string> argv{};  ///< argv[0] is looked up on PATH; no shell
  /// Variables set (or overriding) in the child's environment, on top of ours.
  std::map<std::string, std::string> env{};
  std::string working_directory{};  ///< empty: ours
  /// Bytes the child reads on stdin, written by a background thread and then closed (EOF).
  /// nullopt: the child's stdin is /dev/null, unless `stdin_pipe` is set.
  std::optional<std::string> stdin_bytes{};
  /// Keep stdin as a pipe the caller writes with write_stdin() and ends with close_stdin().
  /// Only when `stdin_bytes` is nullopt.
  bool stdin_pipe = false;
  /// Called for every stderr line. Empty: forward_stderr_line() (a Flow log line).
  StderrLineHandler on_stderr_line{};
  /// Kill the child when neither its stdout nor its stderr produced anything for this long
  /// while the shim was waiting on it. 0 = no watchdog.
  std::chrono::milliseconds idle_timeout{0};
  /// Between SIGTERM and SIGKILL when the watchdog fires.
  std::chrono::milliseconds kill_grace{5000};
  /// How many error-level stderr lines last_error_text() keeps.
  std::size_t error_lines_kept = 20;
};

/// One running child of a shim: its stdout as lines for the shim's hot path, its stderr
/// drained concurrently (so neither pipe can deadlock) into a callback, an idle watchdog,
/// graceful stop, and cleanup that leaves no zombie and no thread behind, even when the shim
/// throws mid-stream.
///
/// Threads: next_stdout_line() belongs to one reader thread; stop() and note_activity() may
/// be called from any thread; finish() and the destructor from the owner.
///
/// The watchdog counts only time the shim spends waiting on the child (a shim busy with a
/// line it was handed, e.g. blocked writing to Flow, is not the child's fault).
///
/// The child runs in its own process group, and signals go to the whole group. When the child
/// has exited but something it left behind (a background grandchild) still holds its stdout
/// or stderr open a second later, the group is killed, so the shim never hangs on a pipe.
///
/// Signals: a shim killed by SIGTERM runs no destructors. Shims install a SIGTERM handler
/// that requests a stop (see stop()) and then unwind normally, so this destructor and
/// TempDir's run and the child is never left behind.
///
/// Example:
///   auto child = flow::shims::ChildSession::start(
///       {.argv = {"python3", "main.py", "read", "--config", config_path},
///        .idle_timeout = std::chrono::seconds(300)});
///   while (auto line = child->next_stdout_line()) handle(line->text);  // simdjson in place
///   auto status = child->finish();
///   if (!status.success()) throw flow::Error(child->failure_message(status));
class ChildSession {
 public:
  /// Spawns the child. Throws flow::Error when it cannot be started
  /// ("cannot start 'nope': No such file or directory").
  static std::unique_ptr<ChildSession> start(ChildSessionOptions options);

  ChildSession(const ChildSession&) = delete;
  ChildSession& operator=(const ChildSession&) = delete;
  ChildSession(ChildSession&&) = delete;
  ChildSession& operator=(ChildSession&&) = delete;
  /// Kills (SIGKILL) a child still running, reaps it and joins every thread.
  ~ChildSession();

  /// The next stdout line, nullopt at EOF. The Line stays valid until the next call, and is
  /// padded for simdjson (see flow::Line). Counts as activity for the watchdog.
  std::optional<flow::Line> next_stdout_line();
  /// Stdout lines returned so far.
  [[nodiscard]] std::size_t stdout_line_count() const noexcept;

  /// Tells the watchdog the child is alive (for activity the session cannot see).
  void note_activity() noexcept;

  /// With `stdin_pipe`: writes all of `bytes` to the child's stdin. Throws flow::Error when
  /// the child closed its stdin (EPIPE; SIGPIPE is never raised).
  void write_stdin(std::string_view bytes);
  /// With `stdin_pipe`: closes the child's stdin (EOF). Idempotent.
  void close_stdin();

  /// Asks the child to stop: SIGTERM, then SIGKILL if it has not exited within `grace`.
  /// Returns once it has exited. Thread-safe; calling it again is harmless. The shim then
  /// drains stdout (it ends soon) and calls finish().
  void stop(std::chrono::milliseconds grace);

  /// Waits for the child to exit, joins the stderr thread (stderr drained to EOF) and the
  /// monitor, reaps the child and returns how it ended. Stdout not yet read is drained and dropped
  /// first, so a child never blocks on a full pipe: call it from the stdout reader's thread (or
  /// once it is done). Idempotent.
  process::ExitStatus finish();

  /// The watchdog fired and killed the child.
  [[nodiscard]] bool timed_out() const noexcept;
  /// stop() was called.
  [[nodiscard]] bool stop_requested() const noexcept;
  /// The last error-level stderr messages (at most `error_lines_kept`), oldest first,
  /// '\n'-joined; when there were none, the last few stderr messages of any level.
  [[nodiscard]] std::string last_error_text() const;
  /// A one-line failure for a child that ended badly, e.g.
  ///   "'tap-x' produced no output for 300s; killed"
  ///   "'tap-x' failed with exit code 1: <last_error_text(), lines joined by ' | '>"
  ///   "'tap-x' stopped: killed by signal 15 (SIGTERM)"        (after stop())
  /// An empty string when the child succeeded and the watchdog did not fire.
  [[nodiscard]] std::string failure_message(const process::ExitStatus& status) const;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// argv[0], for messages.
  [[nodiscard]] const std::string& program() const noexcept { return program_; }

 private:
  explicit ChildSession(ChildSessionOptions options);
  void start_threads();
  void read_stderr();        // stderr thread
  void write_stdin_bytes();  // stdin thread (stdin_bytes)
  void watch_child();        // monitor thread: idle watchdog, stragglers
  void handle_stderr_line(std::string_view line);
  void remember_stderr_line(const std::string& message, bool is_error);
  void kill_and_wait(std::chrono::milliseconds grace);
  void signal_child(int sig);
  bool wait_exit_for(std::chrono::milliseconds timeout) const;  // true once it has exited
  void wait_exit() const;                                       // blocks; never reaps
  void wake_helpers() const noexcept;
  void join_helpers() noexcept;
  [[nodiscard]] std::uint64_t activity() const noexcept;

  ChildSessionOptions options_;
  std::string program_;
  pid_t pid_ = -1;
  process::ChildProcess child_;
  std::unique_ptr<flow::LineReader> stdout_reader_;
  std::atomic<bool> stdout_eof_{false};

  // Watchdog input. Each counter has a single writer, so the hot path bumps it with a plain
  // relaxed load+store (no locked instruction); the watchdog only compares samples.
  std::atomic<std::uint64_t> stdout_activity_{0};
  std::atomic<std::uint64_t> stderr_activity_{0};
  std::atomic<std::uint64_t> other_activity_{0};
  std::atomic<bool> shim_busy_{false};  // the reader holds a line: idle time isn't the child's
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> stop_requested_{false};

  mutable std::mutex mutex_;  // guards everything below and signalling/reaping child_
  std::condition_variable changed_;
  bool stopping_helpers_ = false;              // the monitor should return
  bool stderr_done_ = false;                   // the stderr thread saw EOF (or gave up)
  std::optional<process::ExitStatus> status_;  // set once reaped by finish()
  std::deque<std::string> error_lines_;        // last error-level stderr messages
  std::deque<std::string> tail_lines_;         // last stderr messages of any level

  int wake_fd_ = -1;  // eventfd: makes the stderr/stdin threads give up on a held-open pipe
  std::thread stderr_thread_;
  std::thread stdin_thread_;
  std::thread monitor_thread_;
};

/// The default stderr handler: writes `line` as one Flow log line (see parse_stderr_line).
void forward_stderr_line(std::string_view line);

}  // namespace flow::shims
