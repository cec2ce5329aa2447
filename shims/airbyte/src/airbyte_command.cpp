// SPDX-License-Identifier: Apache-2.0
#include "airbyte_command.hpp"

#include <common/child_session.hpp>
#include <common/json_depth.hpp>
#include <flow/airbyte/message_logging.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <optional>

namespace flow::airbyte::detail {

StopWatcher::StopWatcher(std::function<bool()> stopping,
                         flow::shims::ChildSession& child,
                         std::chrono::milliseconds grace)
    : thread_([this, stopping = std::move(stopping), &child, grace] {
        while (!done_.load()) {
          if (stopping()) {
            flow::log::info("stopping the Airbyte source", {{"pid", child.pid()}});
            child.stop(grace);
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }) {}

StopWatcher::~StopWatcher() {
  done_ = true;
  thread_.join();
}

void run_command(
    const CommandOptions& options,
    const std::function<void(std::string_view type, const nlohmann::json&)>& on_message,
    const std::function<void(const nlohmann::json& config)>& on_control) {
  auto child = flow::shims::ChildSession::start(
      {.argv = options.argv, .env = options.env, .idle_timeout = options.idle_timeout});
  std::optional<ChildError> last_error;
  std::optional<StopWatcher> watcher;
  if (options.stopping) {
    watcher.emplace(options.stopping, *child, options.stop_grace);
  }
  while (auto line = child->next_stdout_line()) {
    nlohmann::json message = flow::shims::parse_json(line->text);
    if (message.is_discarded() || !message.is_object() || !message.contains("type") ||
        !message["type"].is_string()) {
      if (!line->text.empty()) {
        flow::log::warn("ignoring a line of the child's stdout that is not an Airbyte message: " +
                            std::string(line->text.substr(0, 2000)),
                        {{"source", "child stdout"}, {"line", line->number}});
      }
      continue;
    }
    const std::string type = message["type"].get<std::string>();
    if (type == "LOG") {
      auto entry = map_log(message.value("log", nlohmann::json::object()));
      if (entry.level == flow::log::Level::error) {
        last_error = ChildError{entry.message, ""};
      }
      write_entries({entry});
    } else if (type == "TRACE") {
      auto trace = message.value("trace", nlohmann::json::object());
      if (auto error = trace_error(trace)) {
        last_error = error;
      }
      write_entries(map_trace(trace));
    } else if (type == "CONTROL") {
      auto control = message.value("control", nlohmann::json::object());
      auto config = control.value("connectorConfig", nlohmann::json::object());
      if (control.value("type", std::string()) == "CONNECTOR_CONFIG" && config.contains("config") &&
          config["config"].is_object()) {
        on_control(config["config"]);
      } else {
        flow::log::warn("ignoring a CONTROL message of unknown type, or without a config");
      }
    } else {
      on_message(type, message);
    }
  }
  auto status = child->finish();
  watcher.reset();
  if (child->stop_requested()) {
    throw flow::Error("airbyte " + options.what + ": stopped");
  }
  if (!status.success()) {
    if (child->timed_out() || !last_error) {
      throw flow::Error("airbyte " + options.what + ": " + child->failure_message(status));
    }
    throw flow::Error("airbyte " + options.what + " failed (" + status.describe() +
                      "): " + last_error->message);
  }
}

nlohmann::json expect_message(const CommandOptions& options,
                              std::string_view type,
                              const std::function<void(const nlohmann::json&)>& on_control) {
  std::optional<nlohmann::json> found;
  run_command(
      options,
      [&](std::string_view message_type, const nlohmann::json& message) {
        if (message_type == type && !found) {
          found = message;
        } else {
          flow::log::warn("ignoring an unexpected " + std::string(message_type) +
                          " message during " + options.what);
        }
      },
      on_control);
  if (!found) {
    throw flow::Error("airbyte " + options.what + " printed no " + std::string(type) + " message");
  }
  return *found;
}

}  // namespace flow::airbyte::detail
