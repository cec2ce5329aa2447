// SPDX-License-Identifier: Apache-2.0
#include "flow/process/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include "flow/error.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared

namespace flow::process {
namespace {

/// Closes `fd` if open and marks it closed.
void close_fd(int& fd) noexcept {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

/// A pipe whose both ends are close-on-exec and numbered above 2, so a dup2 onto 0/1/2 in
/// the child always creates a fresh (inheritable) descriptor.
struct Pipe {
  int read_end = -1;
  int write_end = -1;

  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  Pipe(Pipe&&) = delete;
  Pipe& operator=(Pipe&&) = delete;
  ~Pipe() {
    close_fd(read_end);
    close_fd(write_end);
  }

  void open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw flow::Error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    read_end = move_above_stdio(fds[0]);
    write_end = move_above_stdio(fds[1]);
  }

  /// Hands the descriptor over to the caller.
  static int release(int& fd) noexcept { return std::exchange(fd, -1); }

 private:
  static int move_above_stdio(int fd) {
    if (fd > 2) {
      return fd;
    }
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    const int saved_errno = errno;
    ::close(fd);
    if (moved < 0) {
      throw flow::Error(std::string("cannot create a pipe: ") + std::strerror(saved_errno));
    }
    return moved;
  }
};

/// Owns posix_spawn's file actions and attributes.
class SpawnPlan {
 public:
  SpawnPlan() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attributes_);
  }
  SpawnPlan(const SpawnPlan&) = delete;
  SpawnPlan& operator=(const SpawnPlan&) = delete;
  SpawnPlan(SpawnPlan&&) = delete;
  SpawnPlan& operator=(SpawnPlan&&) = delete;
  ~SpawnPlan() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }

  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attributes() { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
};

/// Throws when a posix_spawn setup call failed (it returns the error number).
void check(int rc, const char* what) {
  if (rc != 0) {
    throw flow::Error(std::string("cannot prepare child (") + what + "): " + std::strerror(rc));
  }
}

/// Our environment with `overrides` applied, as "KEY=VALUE" strings.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string key(text.substr(0, text.find('=')));
    if (!overrides.contains(key)) {
      env.emplace_back(text);
    }
  }
  for (const auto& [key, value] : overrides) {
    std::string entry;
    entry.reserve(key.size() + 1 + value.size());
    entry.append(key).append("=").append(value);
    env.push_back(std::move(entry));
  }
  return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& s : strings) {
    pointers.push_back(s.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

ExitStatus status_from_wait(int raw) {
  ExitStatus status;
  if (WIFSIGNALED(raw)) {
    status.signal = WTERMSIG(raw);
  } else if (WIFEXITED(raw)) {
    status.code = WEXITSTATUS(raw);
  }
  return status;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal == 0) {
    return "exit code " + std::to_string(code);
  }
  std::string text = "killed by signal " + std::to_string(signal);
  if (const char* abbreviation = ::sigabbrev_np(signal); abbreviation != nullptr) {
    text += std::string(" (SIG") + abbreviation + ")";
  }
  return text;
}

ChildProcess ChildProcess::spawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv.front().empty()) {
    throw flow::Error("cannot start a child: empty argv");
  }
  const std::string& program = options.argv.front();
  Pipe in;
  Pipe out;
  Pipe err;
  SpawnPlan plan;
  auto* actions = plan.actions();

  if (options.pipe_stdin) {
    in.open();
    check(posix_spawn_file_actions_adddup2(actions, in.read_end, STDIN_FILENO), "stdin");
  } else {
    check(posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "stdin");
  }
  if (options.pipe_stdout) {
    out.open();
    if (options.stdout_pipe_bytes > 0) {
      (void)::fcntl(out.read_end, F_SETPIPE_SZ, static_cast<int>(options.stdout_pipe_bytes));
    }
    check(posix_spawn_file_actions_adddup2(actions, out.write_end, STDOUT_FILENO), "stdout");
  } else {
    // Our stdout is the protocol channel: a child's stray output goes to our stderr instead.
    check(posix_spawn_file_actions_adddup2(actions, STDERR_FILENO, STDOUT_FILENO), "stdout");
  }
  if (options.pipe_stderr) {
    err.open();
    check(posix_spawn_file_actions_adddup2(actions, err.write_end, STDERR_FILENO), "stderr");
  }
  if (!options.working_directory.empty()) {
    check(posix_spawn_file_actions_addchdir_np(actions, options.working_directory.c_str()),
          "working directory");
  }

  // The child starts with no blocked signals and default dispositions, whatever the shim
  // blocks or ignores (e.g. SIGPIPE), as a freshly started program expects.
  auto* attributes = plan.attributes();
  sigset_t empty_set;
  sigset_t all_signals;
  sigemptyset(&empty_set);
  sigfillset(&all_signals);
  sigdelset(&all_signals, SIGKILL);
  sigdelset(&all_signals, SIGSTOP);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.new_process_group) {
    flags = static_cast<short>(flags | POSIX_SPAWN_SETPGROUP);
    check(posix_spawnattr_setpgroup(attributes, 0), "process group");
  }
  check(posix_spawnattr_setflags(attributes, flags), "flags");
  check(posix_spawnattr_setsigmask(attributes, &empty_set), "signal mask");
  check(posix_spawnattr_setsigdefault(attributes, &all_signals), "signal dispositions");

  std::vector<std::string> argv_strings = options.argv;
  std::vector<std::string> env_strings = merged_environment(options.env);
  std::vector<char*> argv = pointers_to(argv_strings);
  std::vector<char*> envp = pointers_to(env_strings);

  pid_t pid = -1;
  const int rc =
      ::posix_spawnp(&pid, program.c_str(), actions, attributes, argv.data(), envp.data());
  if (rc != 0) {
    throw flow::Error("cannot start '" + program + "': " + std::strerror(rc));
  }

  ChildProcess child;
  child.pid_ = pid;
  child.process_group_ = options.new_process_group;
  if (options.pipe_stdin) {
    child.stdin_fd_ = Pipe::release(in.write_end);
  }
  if (options.pipe_stdout) {
    child.stdout_fd_ = Pipe::release(out.read_end);
  }
  if (options.pipe_stderr) {
    child.stderr_fd_ = Pipe::release(err.read_end);
  }
  return child;  // the child's ends of the pipes close with the Pipe objects
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      status_(std::exchange(other.status_, std::nullopt)),
      process_group_(std::exchange(other.process_group_, false)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    ChildProcess old(std::move(*this));  // kills and reaps what we held
    pid_ = std::exchange(other.pid_, -1);
    stdin_fd_ = std::exchange(other.stdin_fd_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    stderr_fd_ = std::exchange(other.stderr_fd_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    process_group_ = std::exchange(other.process_group_, false);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    signal(SIGKILL);
    try {
      wait();
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to do in a destructor
    }
  }
  close_fds();
}

void ChildProcess::close_fds() noexcept {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
}

void ChildProcess::close_stdin() {
  close_fd(stdin_fd_);
}

void ChildProcess::signal(int sig) {
  if (pid_ <= 0 || status_) {
    return;  // never signal a reaped pid: it may belong to someone else by now
  }
  if (process_group_) {
    ::kill(-pid_, sig);  // the whole group, so grandchildren holding our pipes go too
  }
  ::kill(pid_, sig);
}

ExitStatus ChildProcess::wait() {
  if (status_) {
    return *status_;
  }
  if (pid_ <= 0) {
    throw flow::Error("waiting for a child that was never started");
  }
  int raw = 0;
  while (::waitpid(pid_, &raw, 0) < 0) {
    if (errno != EINTR) {
      throw flow::Error("waiting for child " + std::to_string(pid_) + ": " + std::strerror(errno));
    }
  }
  status_ = status_from_wait(raw);
  return *status_;
}

std::optional<ExitStatus> ChildProcess::try_wait() {
  if (status_ || pid_ <= 0) {
    return status_;
  }
  int raw = 0;
  pid_t rc = 0;
  do {
    rc = ::waitpid(pid_, &raw, WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    throw flow::Error("waiting for child " + std::to_string(pid_) + ": " + std::strerror(errno));
  }
  if (rc == pid_) {
    status_ = status_from_wait(raw);
  }
  return status_;
}

ExitStatus ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (status_) {
    return *status_;
  }
  signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto pause = std::chrono::milliseconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = try_wait()) {
      return *status;
    }
    std::this_thread::sleep_for(
        std::min(pause, std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now()) +
                            std::chrono::milliseconds(1)));
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  if (auto status = try_wait()) {
    return *status;
  }
  signal(SIGKILL);
  return wait();
}

}  // namespace flow::process
