// SPDX-License-Identifier: Apache-2.0
#include "flow-local/console.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <regex>

namespace flow::local {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The runtime's level aliases; empty when the level is not one it understands.
std::string normalise_level(std::string_view level) {
  std::string l = lower(level);
  if (l == "trace" || l == "debug" || l == "info" || l == "error") {
    return l;
  }
  if (l == "warn" || l == "warning") {
    return "warn";
  }
  if (l == "fatal" || l == "panic") {
    return "error";
  }
  return {};
}

// Level of a line without one: error when it reads like a failure, else warn (as the runtime).
std::string guess_level(std::string_view text) {
  static const std::regex failure_words("error|failed|panic|timeout|unable|unrecogni[sz]ed",
                                        std::regex::icase);
  return std::regex_search(text.begin(), text.end(), failure_words) ? "error" : "warn";
}

std::string_view colour_of(std::string_view level) {
  if (level == "error") {
    return "\x1b[31m";
  }
  if (level == "warn") {
    return "\x1b[33m";
  }
  if (level == "info") {
    return "\x1b[32m";
  }
  return "\x1b[2m";
}

}  // namespace

ConnectorLog decode_connector_log(std::string_view line) {
  ConnectorLog log;
  auto parsed = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (parsed.is_object()) {
    std::string level;
    for (const char* key : {"level", "lvl"}) {
      if (auto it = parsed.find(key); it != parsed.end() && it->is_string()) {
        level = it->get<std::string>();
        parsed.erase(it);
        break;
      }
    }
    for (const char* key : {"message", "msg"}) {
      if (auto it = parsed.find(key); it != parsed.end() && it->is_string()) {
        log.message = it->get<std::string>();
        parsed.erase(it);
        break;
      }
    }
    for (const char* key : {"ts", "timestamp", "time"}) {
      parsed.erase(key);
    }
    if (auto it = parsed.find("fields"); it != parsed.end() && it->is_object()) {
      log.fields = *it;
      parsed.erase(it);
      if (log.message.empty()) {
        for (const char* key : {"message", "msg"}) {
          if (auto m = log.fields.find(key); m != log.fields.end() && m->is_string()) {
            log.message = m->get<std::string>();
            log.fields.erase(m);
            break;
          }
        }
      }
    }
    for (auto& [key, value] : parsed.items()) {
      log.fields[key] = value;
    }
    log.level = level.empty() ? guess_level(log.message) : normalise_level(level);
    if (!log.level.empty()) {
      return log;
    }
    // An unparseable level: the runtime treats the whole line as text.
    log = ConnectorLog{};
  }
  log.message = std::string(line);
  log.level = guess_level(line);
  return log;
}

std::string format_pretty(std::string_view level,
                          std::string_view message,
                          const nlohmann::json& fields,
                          bool colour) {
  std::string upper = lower(level);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  upper.resize(std::max<std::size_t>(upper.size(), 5), ' ');
  std::string out;
  if (colour) {
    out.append(colour_of(level)).append(upper).append("\x1b[0m");
  } else {
    out.append(upper);
  }
  out.append(" ").append(message);
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      out.append("  ").append(key).append("=");
      out.append(value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  return out;
}

Console::Console(ConsoleOptions options) : options_(options) {}

void Console::write_locked(std::string_view text) {
  while (!text.empty()) {
    auto n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) {
      return;  // stderr gone: nothing better to do
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Console::erase_progress_locked() {
  if (options_.tty && !progress_.empty()) {
    write_locked("\r\x1b[2K");
  }
}

void Console::redraw_progress_locked() {
  if (options_.tty && !progress_.empty()) {
    write_locked(progress_);
  }
}

void Console::connector_line(std::string_view line) {
  ConnectorLog log = decode_connector_log(line);
  std::lock_guard lock(mutex_);
  last_message_ = log.message;
  erase_progress_locked();
  if (options_.json) {
    std::string out(line);
    out.push_back('\n');
    write_locked(out);
  } else {
    write_locked(format_pretty(log.level, log.message, log.fields, options_.tty) + "\n");
  }
  redraw_progress_locked();
}

void Console::message(flow::log::Level level, std::string_view text, const nlohmann::json& fields) {
  std::string line;
  if (options_.json) {
    line = flow::log::format_line(std::chrono::system_clock::now(), level, text,
                                  fields.is_object() ? fields : nlohmann::json::object());
  } else {
    line = format_pretty(flow::log::level_name(level), text, fields, options_.tty);
  }
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  erase_progress_locked();
  write_locked(line);
  redraw_progress_locked();
}

void Console::progress(std::string_view line) {
  if (!options_.tty) {
    return;
  }
  std::lock_guard lock(mutex_);
  progress_.assign("\r\x1b[2K").append(line);
  write_locked(progress_);
}

void Console::clear_progress() {
  std::lock_guard lock(mutex_);
  erase_progress_locked();
  progress_.clear();
}

std::string Console::last_connector_message() const {
  std::lock_guard lock(mutex_);
  return last_message_;
}

void Console::reset_last_connector_message() {
  std::lock_guard lock(mutex_);
  last_message_.clear();
}

}  // namespace flow::local
