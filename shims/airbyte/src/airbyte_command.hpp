// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: runs one unary Airbyte command (spec, check, discover) to completion.

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace flow::airbyte::detail {

struct CommandOptions {
  std::vector<std::string> argv;  ///< the source command plus the Airbyte subcommand and flags
  std::map<std::string, std::string> env;
  std::chrono::milliseconds idle_timeout{0};
  std::string what;  ///< "spec", "check", … for messages
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
