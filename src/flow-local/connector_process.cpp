// SPDX-License-Identifier: Apache-2.0
#include "flow-local/connector_process.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <flow/codec.hpp>

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
  options.stdout_pipe_bytes = std::size_t{1} << 20;  // the hot path: documents
  try {
    return flow::process::ChildProcess::spawn(options);
  } catch (const flow::Error& e) {
    throw ConnectorError(std::string("cannot start the connector command `") +
                         endpoint.command.front() + "`: " + e.what());
  }
}

/// Whether the endpoint's env tells the connector to speak protobuf (FLOW_RUNTIME_CODEC).
bool env_says_protobuf(const LocalEndpoint& endpoint) {
  const auto it = endpoint.env.find("FLOW_RUNTIME_CODEC");
  if (it == endpoint.env.end()) {
    return false;
  }
  try {
    return flow::parse_codec(it->second) == flow::Codec::protobuf;
  } catch (const flow::Error&) {
    return false;  // a bad value is the connector's to reject
  }
}

/// A JSON response line never holds a control character other than tab and CR (strings
/// escape them); the first lines of protobuf frames do (a length's high bytes are zero).
bool looks_binary(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 && byte != '\t' && byte != '\r';
  });
}

/// A FrameReader error without its "stdin line N: " prefix (these are the connector's stdout).
std::string frame_error_detail(const flow::ProtocolError& e) {
  std::string_view what = e.what();
  if (e.line() != 0) {
    const std::string prefix = "stdin line " + std::to_string(e.line()) + ": ";
    if (what.substr(0, prefix.size()) == prefix) {
      what.remove_prefix(prefix.size());
    }
  }
  if (const auto hint = what.find(" (the input looks like JSON"); hint != std::string_view::npos) {
    what = what.substr(0, hint);  // advice for a connector; ours is below
  }
  return std::string(what);
}

}  // namespace

ConnectorProcess::ConnectorProcess(const LocalEndpoint& endpoint,
                                   Console& console,
                                   const std::string& log_level)
    : console_(console),
      program_(std::filesystem::path(endpoint.command.front()).filename().string()),
      child_(spawn_connector(endpoint, log_level)),
      protobuf_(endpoint.protobuf),
      env_says_protobuf_(env_says_protobuf(endpoint)) {
  if (!protobuf_) {
    lines_.emplace(child_.stdout_fd());
  } else {
    frames_.emplace(child_.stdout_fd());
    transcoder_ = std::make_unique<ProtobufTranscoder>(endpoint.protocol);
  }
  console_.reset_last_connector_message();
  stderr_pump_ = std::thread([this] {
    try {
      flow::LineReader reader(child_.stderr_fd(), std::size_t{64} * 1024);
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
  if (protobuf_) {
    transcoder_->encode_request(request, frame_);
  } else {
    frame_.clear();
    frame_.reserve(request.size() + 1);
    frame_.append(request).push_back('\n');
  }
  std::string_view rest(frame_);
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

std::optional<flow::Line> ConnectorProcess::next_line() {
  if (!protobuf_) {
    auto line = lines_->next();
    if (line && line->number <= 2 && looks_binary(line->text)) {
      throw ConnectorError(
          "connector `" + program_ + "` wrote binary data on stdout (message " +
          std::to_string(line->number) +
          ") where JSON lines were expected: it looks like it speaks the protobuf codec. Set "
          "`protobuf: true` on its `local:` endpoint (with `FLOW_RUNTIME_CODEC: proto` under "
          "`local.env` for an SDK connector), or make it speak JSON");
    }
    if (line) {
      ++responses_;
    }
    return line;
  }
  std::optional<flow::Frame> frame;
  try {
    frame = frames_->next();
  } catch (const flow::ProtocolError& e) {
    if (std::string_view(e.what()).find("looks like JSON") != std::string_view::npos) {
      throw ConnectorError(
          "connector `" + program_ + "` answered with JSON text (message " +
          std::to_string(e.line()) +
          ") where protobuf frames were expected (`protobuf: true`; flow-local, like the "
          "runtime, does not tell the connector its codec): add `FLOW_RUNTIME_CODEC: proto` "
          "under `local.env`, or drop `protobuf: true`");
    }
    throw ConnectorError("connector `" + program_ +
                         "` stdout is not a valid protobuf frame (message " +
                         std::to_string(e.line()) + "): " + frame_error_detail(e) + codec_hint());
  }
  if (!frame) {
    return std::nullopt;
  }
  try {
    auto line = transcoder_->decode_response(*frame);
    ++responses_;
    return line;
  } catch (const flow::Error& e) {
    throw ConnectorError(std::string(e.what()) + codec_hint());
  }
}

std::string ConnectorProcess::codec_hint() const {
  if (responses_ > 0) {
    return {};
  }
  if (protobuf_ && !env_says_protobuf_) {
    return " (nothing was read from the connector under `protobuf: true`, and flow-local, like "
           "the runtime, does not tell a connector its codec: if it speaks JSON unless told "
           "otherwise, add `FLOW_RUNTIME_CODEC: proto` under `local.env`, or drop "
           "`protobuf: true`)";
  }
  if (!protobuf_ && env_says_protobuf_) {
    return " (nothing was read from the connector: `local.env` sets FLOW_RUNTIME_CODEC to "
           "protobuf but this endpoint speaks JSON; set `protobuf: true` on it, or remove "
           "FLOW_RUNTIME_CODEC)";
  }
  return {};
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
