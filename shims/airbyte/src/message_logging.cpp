// SPDX-License-Identifier: Apache-2.0
#include <flow/airbyte/message_logging.hpp>
#include <optional>

namespace flow::airbyte {
namespace {

std::string text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) {
    return {};
  }
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) {
    return {};
  }
  return found->is_string() ? found->get<std::string>() : found->dump();
}

std::string stream_label(const nlohmann::json& descriptor) {
  std::string ns = text(descriptor, "namespace");
  std::string name = text(descriptor, "name");
  return ns.empty() ? name : ns + "." + name;
}

// Copies the keys of `from` that are present and not null.
void copy_fields(const nlohmann::json& from,
                 std::initializer_list<const char*> keys,
                 nlohmann::json& to) {
  if (!from.is_object()) {
    return;
  }
  for (const char* key : keys) {
    auto found = from.find(key);
    if (found != from.end() && !found->is_null()) {
      to[key] = *found;
    }
  }
}

}  // namespace

LogEntry map_log(const nlohmann::json& log) {
  LogEntry entry;
  const std::string level = text(log, "level");
  if (level == "FATAL" || level == "ERROR") {
    entry.level = flow::log::Level::error;
  } else if (level == "WARN" || level == "WARNING") {
    entry.level = flow::log::Level::warn;
  } else if (level == "DEBUG") {
    entry.level = flow::log::Level::debug;
  } else if (level == "TRACE") {
    entry.level = flow::log::Level::trace;
  } else {
    entry.level = flow::log::Level::info;
  }
  entry.message = text(log, "message");
  entry.fields["source"] = "airbyte";
  if (level == "FATAL") {
    entry.fields["fatal"] = true;
  }
  copy_fields(log, {"stack_trace"}, entry.fields);
  return entry;
}

std::vector<LogEntry> map_trace(const nlohmann::json& trace) {
  std::vector<LogEntry> entries;
  const std::string type = text(trace, "type");
  if (type == "ERROR") {
    const nlohmann::json error = trace.value("error", nlohmann::json::object());
    LogEntry line{flow::log::Level::error, text(error, "message"), {{"source", "airbyte"}}};
    copy_fields(error, {"failure_type", "internal_message", "stack_trace", "stream_descriptor"},
                line.fields);
    entries.push_back(line);
    auto failure = trace_error(trace);
    entries.push_back(
        {flow::log::Level::info, failure ? failure->message : line.message, {}, true});
  } else if (type == "ESTIMATE") {
    LogEntry line{flow::log::Level::info, "progress estimate", {{"source", "airbyte"}}};
    line.fields["estimate"] = trace.value("estimate", nlohmann::json::object());
    entries.push_back(line);
  } else if (type == "STREAM_STATUS") {
    const nlohmann::json status = trace.value("stream_status", nlohmann::json::object());
    const std::string stream = stream_label(status.value("stream_descriptor", nlohmann::json()));
    const std::string state = text(status, "status");
    LogEntry line{state == "INCOMPLETE" ? flow::log::Level::warn : flow::log::Level::info,
                  "stream " + stream + " is " + state,
                  {{"source", "airbyte"}, {"stream", stream}, {"status", state}}};
    copy_fields(status, {"reasons"}, line.fields);
    entries.push_back(line);
    auto reasons = status.value("reasons", nlohmann::json::array());
    for (const auto& reason : reasons) {
      if (text(reason, "type") == "RATE_LIMITED") {
        std::string message = "stream " + stream + " is rate limited";
        auto limited = reason.value("rate_limited", nlohmann::json::object());
        if (limited.contains("quota_reset") && limited["quota_reset"].is_number()) {
          message += "; quota resets at " + limited["quota_reset"].dump() + " (ms since epoch)";
        }
        entries.push_back({flow::log::Level::info, message, {{"stream", stream}}, true});
      }
    }
  } else if (type == "ANALYTICS") {
    LogEntry line{flow::log::Level::debug, "analytics", {{"source", "airbyte"}}};
    line.fields["analytics"] = trace.value("analytics", nlohmann::json::object());
    entries.push_back(line);
  } else {
    entries.push_back({flow::log::Level::warn,
                       "ignoring a TRACE message of unknown type '" + type + "'",
                       {{"source", "airbyte"}}});
  }
  return entries;
}

std::optional<ChildError> trace_error(const nlohmann::json& trace) {
  if (text(trace, "type") != "ERROR") {
    return std::nullopt;
  }
  const nlohmann::json error = trace.value("error", nlohmann::json::object());
  ChildError out;
  out.failure_type = text(error, "failure_type");
  out.message = text(error, "message");
  const std::string internal = text(error, "internal_message");
  if (out.failure_type != "config_error" && !internal.empty() &&
      out.message.find(internal) == std::string::npos) {
    out.message += out.message.empty() ? internal : ": " + internal;
  }
  if (out.failure_type == "config_error") {
    out.message = "configuration error: " + out.message;
  }
  return out;
}

void write_entries(const std::vector<LogEntry>& entries) {
  for (const auto& entry : entries) {
    if (entry.status) {
      flow::log::connector_status(entry.message, entry.fields);
    } else {
      flow::log::write(entry.level, entry.message, entry.fields);
    }
  }
}

}  // namespace flow::airbyte
