// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: runs one unary Airbyte command (spec, check, discover) to completion.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace flow::shims {
class ChildSession;
}

namespace flow::airbyte::detail {

/// Stops a child from a helper thread once `stopping()` turns true (stdin EOF, SIGTERM),
/// since the thread reading the child may be blocked on its stdout. Joins on destruction.
class StopWatcher {
 public:
  StopWatcher(std::function<bool()> stopping,
              flow::shims::ChildSession& child,
              std::chrono::milliseconds grace);
  StopWatcher(const StopWatcher&) = delete;
  StopWatcher& operator=(const StopWatcher&) = delete;
  StopWatcher(StopWatcher&&) = delete;
  StopWatcher& operator=(StopWatcher&&) = delete;
  ~StopWatcher();

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

struct CommandOptions {
  std::vector<std::string> argv;  ///< the source command plus the Airbyte subcommand and flags
  std::map<std::string, std::string> env;
  std::chrono::milliseconds idle_timeout{0};
  std::string what{};  ///< "spec", "check", … for messages
  /// When set and it turns true, the child is stopped (SIGTERM, then SIGKILL after
  /// `stop_grace`) and the command fails.
  std::function<bool()> stopping{};
  std::chrono::milliseconds stop_grace{10000};
};

/// Runs the child and hands every message other than LOG/TRACE/CONTROL to `on_message`
/// (type, whole message). LOG and TRACE become Flow logs; CONTROL goes to `on_control`
/// (the complete new config); non-JSON lines are logged. Throws flow::Error when the child
/// fails, with its last TRACE ERROR or error log as the message.
void run_command(
    const CommandOptions& options,
    const std::function<void(std::string_view type, const nlohmann::json&)>& on_message,
    const std::function<void(const nlohmann::json& config)>& on_control);

/// The first message of `type` that `run_command` saw, or a flow::Error saying it was missing.
nlohmann::json expect_message(const CommandOptions& options,
                              std::string_view type,
                              const std::function<void(const nlohmann::json&)>& on_control);

}  // namespace flow::airbyte::detail
