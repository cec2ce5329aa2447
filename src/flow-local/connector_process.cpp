// SPDX-License-Identifier: Apache-2.0
#include "flow-local/connector_process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>

namespace flow::local {
namespace {

flow::process::ChildProcess spawn_connector(const LocalEndpoint& endpoint,
                                            const std::string& log_level) {
  flow::process::SpawnOptions options;
  options.argv = endpoint.command;
  options.env = endpoint.env;
  options.env["LOG_LEVEL"] = log_level;
  options.env["LOG_FORMAT"] = "json";
  options.working_directory = endpoint.working_directory;
  try {
    return flow::process::ChildProcess::spawn(options);
  } catch (const flow::Error& e) {
    throw ConnectorError(std::string("cannot start the connector command `") +
                         endpoint.command.front() + "`: " + e.what());
  }
}

}  // namespace

ConnectorProcess::ConnectorProcess(const LocalEndpoint& endpoint,
                                   Console& console,
                                   std::string log_level)
    : console_(console),
      program_(std::filesystem::path(endpoint.command.front()).filename().string()),
      child_(spawn_connector(endpoint, log_level)),
      stdout_(child_.stdout_fd()) {
  console_.reset_last_connector_message();
  // A larger pipe means fewer, larger reads (and context switches) on the hot path. Best
  // effort: the default 64 KiB still works.
  (void)::fcntl(child_.stdout_fd(), F_SETPIPE_SZ, 1 << 20);
  stderr_pump_ = std::thread([this] {
    try {
      flow::LineReader reader(child_.stderr_fd(), 64 * 1024);
      while (auto line = reader.next()) {
        if (!line->text.empty()) {
          console_.connector_line(line->text);
        }
      }
    } catch (const std::exception& e) {
      console_.message(flow::log::Level::warn, "reading the connector's stderr failed",
                       {{"error", e.what()}});
    }
  });
  supervisor_ = std::thread([this] { supervise(); });
}

ConnectorProcess::~ConnectorProcess() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  cv_.notify_all();
  if (supervisor_.joinable()) {
    supervisor_.join();
  }
  {
    std::lock_guard lock(mutex_);
    if (!reaped_) {
      child_.signal(SIGKILL);
      child_.wait();
      reaped_ = true;
    }
  }
  if (stderr_pump_.joinable()) {
    stderr_pump_.join();
  }
}

bool ConnectorProcess::send(std::string_view request) {
  std::lock_guard lock(stdin_mutex_);
  {
    std::lock_guard state(mutex_);
    if (stdin_closed_) {
      return false;
    }
  }
  std::string buffer;
  buffer.reserve(request.size() + 1);
  buffer.append(request).push_back('\n');
  std::string_view rest(buffer);
  while (!rest.empty()) {
    auto n = ::write(child_.stdin_fd(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;  // EPIPE: the connector exited; its exit status tells the story
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void ConnectorProcess::close_stdin() {
  std::lock_guard lock(stdin_mutex_);
  std::lock_guard state(mutex_);
  if (!stdin_closed_) {
    child_.close_stdin();
    stdin_closed_ = true;
  }
}

bool ConnectorProcess::stdin_closed() const {
  std::lock_guard lock(mutex_);
  return stdin_closed_;
}

bool ConnectorProcess::stopped_by_timer() const {
  return stopped_by_timer_.load(std::memory_order_relaxed);
}

void ConnectorProcess::stop_after(std::chrono::steady_clock::time_point deadline,
                                  std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (!stop_at_ || deadline < *stop_at_) {
      stop_at_ = deadline;
      stop_grace_ = grace;
      stop_is_timeout_ = true;
    }
  }
  cv_.notify_all();
}

void ConnectorProcess::end_session(std::chrono::milliseconds grace) {
  close_stdin();
  {
    std::lock_guard lock(mutex_);
    stop_at_ = std::chrono::steady_clock::now();
    stop_grace_ = grace;
    stop_is_timeout_ = false;
  }
  cv_.notify_all();
}

void ConnectorProcess::supervise() {
  std::unique_lock lock(mutex_);
  // Phase 1: wait for the stop deadline (if one is ever set).
  while (!shutting_down_ && !reaped_) {
    if (stop_at_ && std::chrono::steady_clock::now() >= *stop_at_) {
      break;
    }
    if (stop_at_) {
      cv_.wait_until(lock, *stop_at_);
    } else {
      cv_.wait(lock);
    }
  }
  if (shutting_down_ || reaped_) {
    return;
  }
  // Close stdin unless a write is in progress (it may be blocked on a full pipe; the kill
  // below unblocks it).
  lock.unlock();
  {
    std::unique_lock in(stdin_mutex_, std::try_to_lock);
    lock.lock();
    if (in.owns_lock() && !stdin_closed_) {
      child_.close_stdin();
      stdin_closed_ = true;
    }
    stopped_by_timer_ = stop_is_timeout_;
  }
  // Phase 2: kill after the grace period if it has not exited.
  auto kill_at = std::chrono::steady_clock::now() + stop_grace_;
  while (!shutting_down_ && !reaped_ && std::chrono::steady_clock::now() < kill_at) {
    cv_.wait_until(lock, kill_at);
  }
  if (!shutting_down_ && !reaped_ && !child_.try_wait()) {
    console_.message(flow::log::Level::warn,
                     "the connector did not exit after its stdin closed; "
                     "killing it",
                     {{"grace_ms", stop_grace_.count()}});
    child_.signal(SIGKILL);
  }
}

flow::process::ExitStatus ConnectorProcess::finish(std::chrono::milliseconds grace) {
  close_stdin();
  const auto kill_at = std::chrono::steady_clock::now() + grace;
  auto pause = std::chrono::microseconds(200);
  flow::process::ExitStatus status;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (auto done = child_.try_wait()) {
        status = *done;
        reaped_ = true;
        break;
      }
      if (std::chrono::steady_clock::now() >= kill_at) {
        console_.message(flow::log::Level::warn,
                         "the connector did not exit after its stdin closed; killing it",
                         {{"grace_ms", grace.count()}});
        child_.signal(SIGKILL);
        status = child_.wait();
        reaped_ = true;
        break;
      }
    }
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(20));
  }
  cv_.notify_all();
  if (supervisor_.joinable()) {
    supervisor_.join();
  }
  if (stderr_pump_.joinable()) {
    stderr_pump_.join();
  }
  return status;
}

}  // namespace flow::local
