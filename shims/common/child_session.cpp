// SPDX-License-Identifier: Apache-2.0
#include "common/child_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <utility>

#include "common/stderr_line.hpp"

namespace flow::shims {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// After the child exited, how long its pipes may stay open (held by a background
/// grandchild) before the monitor kills its process group.
constexpr milliseconds kStragglerGrace{1000};
/// How long finish() waits for stderr EOF after the child exited (the monitor normally
/// ends it well before, by killing stragglers).
constexpr milliseconds kStderrDrainGrace{5000};
/// Stderr lines of any level kept for last_error_text() when no error-level line came.
constexpr std::size_t kTailLinesKept = 5;
constexpr std::size_t kStderrBlockSize = std::size_t{64} * 1024;
/// A longer stderr "line" is handed over in pieces of this size.
constexpr std::size_t kMaxStderrLine = std::size_t{1024} * 1024;

std::string format_duration(milliseconds duration) {
  if (duration.count() % 1000 == 0) {
    return std::to_string(duration.count() / 1000) + "s";
  }
  return std::to_string(duration.count()) + "ms";
}

/// Blocks SIGPIPE in the calling thread while alive, so writing to a pipe whose reader is
/// gone fails with EPIPE instead of killing the shim. A SIGPIPE raised meanwhile is consumed.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  SigpipeBlock(SigpipeBlock&&) = delete;
  SigpipeBlock& operator=(SigpipeBlock&&) = delete;
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait{};
      sigtimedwait(&sigpipe_, nullptr, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t sigpipe_{};
  sigset_t previous_{};
  bool was_pending_ = false;
};

/// True while some process still holds the write end of the pipe we read from `fd`. (A pipe
/// reports POLLHUP once every writer is gone, even with unread data left in it.)
bool writers_remain(int fd) noexcept {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) >= 0 && (entry.revents & POLLHUP) == 0;
}

/// Bumps a counter that only the calling thread writes: no locked instruction needed.
void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

void forward_stderr_line(std::string_view line) {
  StderrLog entry = parse_stderr_line(line);
  if (entry.message.find_first_not_of(" \t") == std::string::npos) {
    return;  // blank lines carry nothing
  }
  flow::log::write(entry.level, entry.message, entry.fields);
}

std::unique_ptr<ChildSession> ChildSession::start(ChildSessionOptions options) {
  if (options.argv.empty() || options.argv.front().empty()) {
    throw flow::Error("cannot start a child: empty argv");
  }
  if (options.stdin_bytes && options.stdin_pipe) {
    throw flow::Error("cannot start '" + options.argv.front() +
                      "': stdin_bytes and stdin_pipe exclude each other");
  }
  // Not make_unique: the constructor is private. If a thread cannot start, the destructor
  // kills the child and joins the threads already running.
  std::unique_ptr<ChildSession> session(new ChildSession(std::move(options)));
  session->start_threads();
  return session;
}

ChildSession::ChildSession(ChildSessionOptions options)
    : options_(std::move(options)),
      program_(options_.argv.front()),
      child_(process::ChildProcess::spawn({
          .argv = options_.argv,
          .env = options_.env,
          .working_directory = options_.working_directory,
          .pipe_stdin = options_.stdin_bytes.has_value() || options_.stdin_pipe,
          .pipe_stdout = true,
          .pipe_stderr = true,
          .new_process_group = true,
          .stdout_pipe_bytes = std::size_t{1} << 20,  // the hot path: records
      })) {
  pid_ = child_.pid();
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    throw flow::Error("cannot start '" + program_ + "': eventfd: " + std::strerror(errno));
  }
  stdout_reader_ = std::make_unique<flow::LineReader>(child_.stdout_fd());
}

void ChildSession::start_threads() {
  stderr_thread_ = std::thread([this] { read_stderr(); });
  if (options_.stdin_bytes) {
    stdin_thread_ = std::thread([this] { write_stdin_bytes(); });
  }
  monitor_thread_ = std::thread([this] { watch_child(); });
}

ChildSession::~ChildSession() {
  bool reaped = false;
  {
    const std::lock_guard lock(mutex_);
    reaped = status_.has_value();
  }
  if (!reaped) {
    signal_child(SIGKILL);
    try {
      finish();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the child is killed; threads joined below
    }
  }
  join_helpers();
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
  // Members then go in reverse order; child_ would still kill and reap a child left over.
}

std::optional<flow::Line> ChildSession::next_stdout_line() {
  shim_busy_.store(false, std::memory_order_relaxed);
  std::optional<flow::Line> line = stdout_reader_->next();
  if (line) {
    bump(stdout_activity_);
    shim_busy_.store(true, std::memory_order_relaxed);
  } else {
    stdout_eof_.store(true);
  }
  return line;
}

std::size_t ChildSession::stdout_line_count() const noexcept {
  return stdout_reader_->line_count();
}

void ChildSession::note_activity() noexcept {
  other_activity_.fetch_add(1, std::memory_order_relaxed);  // any thread may call it
}

std::uint64_t ChildSession::activity() const noexcept {
  return stdout_activity_.load(std::memory_order_relaxed) +
         stderr_activity_.load(std::memory_order_relaxed) +
         other_activity_.load(std::memory_order_relaxed);
}

void ChildSession::write_stdin(std::string_view bytes) {
  if (!options_.stdin_pipe) {
    throw flow::Error("write_stdin: '" + program_ + "' was started without stdin_pipe");
  }
  const int fd = child_.stdin_fd();
  if (fd < 0) {
    throw flow::Error("write_stdin: stdin of '" + program_ + "' is already closed");
  }
  const SigpipeBlock no_sigpipe;
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EPIPE) {
        throw flow::Error("'" + program_ + "' closed its stdin");
      }
      throw flow::Error("writing to stdin of '" + program_ + "': " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void ChildSession::close_stdin() {
  if (options_.stdin_pipe) {
    child_.close_stdin();
  }
}

void ChildSession::stop(milliseconds grace) {
  stop_requested_.store(true);
  kill_and_wait(grace);
}

process::ExitStatus ChildSession::finish() {
  {
    const std::lock_guard lock(mutex_);
    if (status_) {
      return *status_;
    }
  }
  // Unread stdout is dropped so the child cannot block on a full pipe.
  if (!stdout_eof_.load()) {
    try {
      while (next_stdout_line()) {
      }
    } catch (const std::exception&) {  // a read error: the child's exit status tells more
    }
    stdout_eof_.store(true);
  }
  wait_exit();  // the monitor still guards a child that hangs after closing stdout
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kStderrDrainGrace, [this] { return stderr_done_; });
  }
  join_helpers();

  const std::lock_guard lock(mutex_);
  status_ = child_.wait();
  return *status_;
}

bool ChildSession::timed_out() const noexcept {
  return timed_out_.load();
}

bool ChildSession::stop_requested() const noexcept {
  return stop_requested_.load();
}

std::string ChildSession::last_error_text() const {
  const std::lock_guard lock(mutex_);
  const std::deque<std::string>& lines = error_lines_.empty() ? tail_lines_ : error_lines_;
  std::string text;
  for (const std::string& line : lines) {
    if (!text.empty()) {
      text += '\n';
    }
    text += line;
  }
  return text;
}

std::string ChildSession::failure_message(const process::ExitStatus& status) const {
  if (timed_out()) {
    return "'" + program_ + "' produced no output for " + format_duration(options_.idle_timeout) +
           "; killed";
  }
  if (status.success()) {
    return {};
  }
  std::string message =
      "'" + program_ + "' " + (stop_requested() ? "stopped: " : "failed with ") + status.describe();
  std::string errors = last_error_text();
  if (!errors.empty()) {
    std::string joined;
    for (char c : errors) {
      if (c == '\n') {
        joined += " | ";
      } else {
        joined += c;
      }
    }
    message += ": " + joined;
  }
  return message;
}

void ChildSession::read_stderr() {
  std::vector<char> buffer(kStderrBlockSize);
  std::size_t used = 0;     // bytes held in buffer
  std::size_t scanned = 0;  // bytes of buffer known to hold no '\n'
  pollfd fds[2] = {{child_.stderr_fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (used == buffer.size()) {
      if (buffer.size() >= kMaxStderrLine) {  // hand a huge line over in pieces
        handle_stderr_line({buffer.data(), used});
        used = scanned = 0;
      } else {
        buffer.resize(buffer.size() * 2);
      }
    }
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (fds[1].revents != 0) {
      break;  // finish() gave up waiting for EOF
    }
    const ssize_t got = ::read(fds[0].fd, buffer.data() + used, buffer.size() - used);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      break;
    }
    if (got == 0) {
      break;
    }
    bump(stderr_activity_);
    used += static_cast<std::size_t>(got);
    std::size_t begin = 0;
    while (const void* found = std::memchr(buffer.data() + scanned, '\n', used - scanned)) {
      const auto end = static_cast<std::size_t>(static_cast<const char*>(found) - buffer.data());
      handle_stderr_line({buffer.data() + begin, end - begin});
      begin = scanned = end + 1;
    }
    std::memmove(buffer.data(), buffer.data() + begin, used - begin);
    used -= begin;
    scanned = used;
  }
  if (used > 0) {
    handle_stderr_line({buffer.data(), used});  // a last line without '\n'
  }
  {
    const std::lock_guard lock(mutex_);
    stderr_done_ = true;
  }
  changed_.notify_all();
}

void ChildSession::handle_stderr_line(std::string_view line) {
  try {
    StderrLog entry = parse_stderr_line(line);
    const bool blank = entry.message.find_first_not_of(" \t") == std::string::npos;
    if (options_.on_stderr_line) {
      options_.on_stderr_line(line);
    } else if (!blank) {
      flow::log::write(entry.level, entry.message, entry.fields);
    }
    if (!blank) {
      remember_stderr_line(entry.message, entry.level == flow::log::Level::error);
    }
  } catch (const std::exception&) {  // a handler must not throw; never lose the reader thread
  }
}

void ChildSession::remember_stderr_line(const std::string& message, bool is_error) {
  const std::lock_guard lock(mutex_);
  if (is_error && options_.error_lines_kept > 0) {
    error_lines_.push_back(message);
    while (error_lines_.size() > options_.error_lines_kept) {
      error_lines_.pop_front();
    }
  }
  tail_lines_.push_back(message);
  while (tail_lines_.size() > kTailLinesKept) {
    tail_lines_.pop_front();
  }
}

void ChildSession::write_stdin_bytes() {
  const SigpipeBlock no_sigpipe;
  const int fd = child_.stdin_fd();
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string_view rest = *options_.stdin_bytes;
  pollfd fds[2] = {{fd, POLLOUT, 0}, {wake_fd_, POLLIN, 0}};
  while (!rest.empty()) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (fds[1].revents != 0) {
      break;  // the child is gone; a grandchild holds its stdin
    }
    const ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      break;  // EPIPE: the child stopped reading stdin, which is its business
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  child_.close_stdin();
}

void ChildSession::watch_child() {
  const milliseconds timeout = options_.idle_timeout;
  const bool watch_idle = timeout.count() > 0;
  const milliseconds tick =
      watch_idle ? std::clamp(timeout / 8, milliseconds(5), milliseconds(250)) : milliseconds(100);
  std::uint64_t last_seen = activity();
  auto deadline = Clock::now() + timeout;
  std::optional<Clock::time_point> exited_at;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (changed_.wait_for(lock, tick, [this] { return stopping_helpers_; })) {
      return;
    }
    const bool pipes_open = (!stdout_eof_.load() && writers_remain(child_.stdout_fd())) ||
                            (!stderr_done_ && writers_remain(child_.stderr_fd()));
    lock.unlock();
    const auto now = Clock::now();
    if (wait_exit_for(milliseconds(0))) {
      // It exited. Whatever still holds its pipes open a while later is a leftover of it.
      if (!pipes_open) {
        return;
      }
      exited_at = exited_at.value_or(now);
      if (now - *exited_at >= kStragglerGrace) {
        flow::log::warn("child exited but its output pipes stay open; killing its process group",
                        {{"program", program_}, {"pid", pid_}});
        signal_child(SIGKILL);
        return;
      }
    } else if (watch_idle) {
      const std::uint64_t current = activity();
      if (current != last_seen || shim_busy_.load(std::memory_order_relaxed)) {
        last_seen = current;
        deadline = now + timeout;
      } else if (now >= deadline) {
        timed_out_.store(true);
        flow::log::warn("child produced no output; killing it",
                        {{"program", program_}, {"pid", pid_}, {"idle", format_duration(timeout)}});
        kill_and_wait(options_.kill_grace);
        return;
      }
    }
    lock.lock();
  }
}

void ChildSession::kill_and_wait(milliseconds grace) {
  signal_child(SIGTERM);
  if (!wait_exit_for(grace)) {
    signal_child(SIGKILL);
    wait_exit();
  }
}

void ChildSession::signal_child(int sig) {
  const std::lock_guard lock(mutex_);
  if (!status_) {  // once reaped, the pid may belong to another process
    child_.signal(sig);
  }
}

bool ChildSession::wait_exit_for(milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  milliseconds pause(1);
  for (;;) {
    siginfo_t info{};
    // WNOWAIT: learn that it exited without reaping, so the pid stays ours until finish().
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return true;  // ECHILD: already reaped
    }
    if (info.si_pid == pid_) {
      return true;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(
        std::min<Clock::duration>(pause, deadline - now + std::chrono::microseconds(100)));
    pause = std::min(pause * 2, milliseconds(20));
  }
}

void ChildSession::wait_exit() const {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
}

void ChildSession::wake_helpers() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
}

void ChildSession::join_helpers() noexcept {
  {
    const std::lock_guard lock(mutex_);
    stopping_helpers_ = true;
  }
  changed_.notify_all();
  if (monitor_thread_.joinable()) {
    monitor_thread_.join();
  }
  wake_helpers();  // the stderr and stdin threads give up on pipes still held open
  for (std::thread* thread : {&stderr_thread_, &stdin_thread_}) {
    if (thread->joinable()) {
      thread->join();
    }
  }
}

}  // namespace flow::shims
