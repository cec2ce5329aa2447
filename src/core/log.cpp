// SPDX-License-Identifier: Apache-2.0
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <flow/json_writer.hpp>
#include <flow/log.hpp>
#include <memory>
#include <mutex>
#include <string>

namespace flow::log {

namespace {

// Fields for the line being written. Set by write() around the spdlog call on this thread, so
// the formatter (which runs synchronously in the same call) can include them.
thread_local const nlohmann::json* current_fields = nullptr;

Level from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return Level::trace;
    case spdlog::level::debug:
      return Level::debug;
    case spdlog::level::info:
      return Level::info;
    case spdlog::level::warn:
      return Level::warn;
    default:  // err, critical: Flow's decoder has no "critical", so both are "error".
      return Level::error;
  }
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace:
      return spdlog::level::trace;
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

/// Formats every spdlog message as one Flow JSON log line.
class FlowJsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line = format_line(
        msg.time, from_spdlog(msg.level), std::string_view(msg.payload.data(), msg.payload.size()),
        current_fields != nullptr ? *current_fields : nlohmann::json());
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<FlowJsonFormatter>();
  }
};

std::shared_ptr<spdlog::logger> make_logger() {
  // stderr_sink_mt writes each line with one fwrite under a mutex, so lines from threads
  // never interleave. stdout is never touched: it carries only protocol messages.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(std::make_unique<FlowJsonFormatter>());
  auto logger = std::make_shared<spdlog::logger>("flow", std::move(sink));
  logger->flush_on(spdlog::level::trace);  // stderr is read line by line as it arrives
  return logger;
}

std::shared_ptr<spdlog::logger>& flow_logger() {
  static std::shared_ptr<spdlog::logger> logger = make_logger();
  return logger;
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "trace") {
    return Level::trace;
  }
  if (lower == "debug") {
    return Level::debug;
  }
  if (lower == "info") {
    return Level::info;
  }
  if (lower == "warn" || lower == "warning") {
    return Level::warn;
  }
  if (lower == "error" || lower == "fatal" || lower == "panic") {
    return Level::error;
  }
  return std::nullopt;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::trace:
      return "trace";
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& logger = flow_logger();
    spdlog::set_default_logger(logger);
    Level level = Level::info;
    std::optional<Level> bad;
    if (const char* env = std::getenv("LOG_LEVEL"); env != nullptr && *env != '\0') {
      if (auto parsed = parse_level(env)) {
        level = *parsed;
      } else {
        bad = Level::info;
      }
    }
    logger->set_level(to_spdlog(level));
    if (bad) {
      write(Level::warn, "LOG_LEVEL is not one of error|warn|info|debug|trace; using info",
            {{"LOG_LEVEL", std::getenv("LOG_LEVEL")}});
    }
  });
}

void set_level(Level level) {
  flow_logger()->set_level(to_spdlog(level));
}

Level level() {
  return from_spdlog(flow_logger()->level());
}

bool enabled(Level level) {
  return flow_logger()->should_log(to_spdlog(level));
}

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  auto& logger = flow_logger();
  if (!logger->should_log(to_spdlog(level))) {
    return;
  }
  current_fields = &fields;
  logger->log(to_spdlog(level), spdlog::string_view_t(message.data(), message.size()));
  current_fields = nullptr;
}

void connector_status(std::string_view message, nlohmann::json fields) {
  fields["eventType"] = "connectorStatus";
  write(Level::info, message, fields);
}

void config_update(std::string_view message, const nlohmann::json& sealed_config) {
  write(Level::info, message, {{"eventType", "configUpdate"}, {"config", sealed_config}});
}

std::string format_line(std::chrono::system_clock::time_point ts,
                        Level level,
                        std::string_view message,
                        const nlohmann::json& fields) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto since_epoch = duration_cast<milliseconds>(ts.time_since_epoch()).count();
  const auto seconds = static_cast<std::time_t>(since_epoch / 1000);
  const auto millis = static_cast<int>(since_epoch % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char ts_text[40];
  const auto len = std::strftime(ts_text, sizeof(ts_text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(ts_text + len, sizeof(ts_text) - len, ".%03dZ", millis);

  std::string line;
  line.reserve(64 + message.size());
  JsonWriter w(line);
  w.begin_object().key("ts").string(ts_text).key("level").string(level_name(level));
  w.key("message").string(message);
  if (fields.is_object() && !fields.empty()) {
    // error_handler::replace keeps a line valid even if a field holds invalid UTF-8.
    w.key("fields").raw(fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  w.end_object();
  return line;
}

}  // namespace flow::log
