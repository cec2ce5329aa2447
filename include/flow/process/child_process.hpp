// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

/// Child processes for the shims and the local runner: spawned without a shell
/// (posix_spawnp with an argv), with pipes for stdin/stdout/stderr, and always reaped.
namespace flow::process {

/// How a child ended.
struct ExitStatus {
  int code = 0;    ///< exit code when exited normally
  int signal = 0;  ///< terminating signal, 0 when it exited normally

  [[nodiscard]] bool success() const noexcept { return signal == 0 && code == 0; }
  /// "exit code 3", "killed by signal 9 (SIGKILL)".
  [[nodiscard]] std::string describe() const;
};

struct SpawnOptions {
  std::vector<std::string> argv{};  ///< argv[0] is looked up on PATH
  /// Variables set (or overriding) in the child's environment, on top of ours.
  std::map<std::string, std::string> env{};
  std::string working_directory{};  ///< empty: ours
  bool pipe_stdin = true;           ///< else the child's stdin is /dev/null
  bool pipe_stdout = true;  ///< else the child inherits our stderr for stdout (never our stdout)
  bool pipe_stderr = true;  ///< else it inherits ours
  /// Start the child in a new process group and signal the whole group, so grandchildren
  /// (which may hold our pipes open) are stopped and killed with it.
  bool new_process_group = false;
  /// With pipe_stdout, the stdout pipe's capacity to ask for (F_SETPIPE_SZ), 0 for the kernel
  /// default (64 KiB). A larger pipe lets a fast child write further ahead: fewer, larger
  /// reads and context switches on a hot path. Best effort: the kernel may refuse (an
  /// unprivileged process is limited to /proc/sys/fs/pipe-max-size), and the default works.
  std::size_t stdout_pipe_bytes = 0;
};

/// A running child. The destructor kills (SIGKILL) and reaps a child still running, so no
/// zombie outlives it.
///
/// Example:
///   auto child = flow::process::ChildProcess::spawn({.argv = {"python3", "source.py", "spec"}});
///   child.close_stdin();
///   flow::LineReader out(child.stdout_fd());
///   while (auto line = out.next()) { ... }
///   auto status = child.wait();
class ChildProcess {
 public:
  /// Starts the child. Throws flow::Error naming the program when it cannot be started
  /// (e.g. "cannot start 'nope': No such file or directory").
  static ChildProcess spawn(const SpawnOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] int stdin_fd() const noexcept { return stdin_fd_; }
  [[nodiscard]] int stdout_fd() const noexcept { return stdout_fd_; }
  [[nodiscard]] int stderr_fd() const noexcept { return stderr_fd_; }

  void close_stdin();
  /// Sends `sig` if the child has not been reaped (to its process group too, with
  /// new_process_group).
  void signal(int sig);
  /// SIGTERM, then SIGKILL if it has not exited within `grace`; reaps it.
  ExitStatus terminate(std::chrono::milliseconds grace);
  /// Waits for exit (reaping it). Idempotent: later calls return the same status.
  ExitStatus wait();
  /// Non-blocking: the status if it has exited, else nullopt.
  std::optional<ExitStatus> try_wait();

 private:
  ChildProcess() = default;
  void close_fds() noexcept;

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::optional<ExitStatus> status_;
  bool process_group_ = false;  // signal() targets the child's process group too
};

}  // namespace flow::process
