// SPDX-License-Identifier: Apache-2.0
#include "common/stderr_line.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <common/json_depth.hpp>
#include <optional>

namespace flow::shims {
namespace {

using flow::log::Level;

char lower(char c) noexcept {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

/// Level names of Flow, Go, Python logging and friends (case-insensitive).
std::optional<Level> level_from_name(std::string_view name) noexcept {
  struct Alias {
    std::string_view name;
    Level level;
  };
  static constexpr std::array kAliases = {
      Alias{"trace", Level::trace}, Alias{"debug", Level::debug}, Alias{"info", Level::info},
      Alias{"notice", Level::info}, Alias{"warn", Level::warn},   Alias{"warning", Level::warn},
      Alias{"error", Level::error}, Alias{"err", Level::error},   Alias{"critical", Level::error},
      Alias{"fatal", Level::error}, Alias{"panic", Level::error},
  };
  for (const auto& alias : kAliases) {
    if (equals_ignoring_case(name, alias.name)) {
      return alias.level;
    }
  }
  return std::nullopt;
}

/// "INFO message", "WARNING: message", "ERROR:root:message" (Python's default format and
/// Singer taps' "INFO METRIC: ..."): an upper-case level word that opens the line.
std::optional<Level> leading_level_word(std::string_view line) noexcept {
  const std::size_t end = line.find_first_of(" :");
  if (end == std::string_view::npos || end == 0) {
    return std::nullopt;
  }
  const std::string_view word = line.substr(0, end);
  if (!std::all_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return std::nullopt;
  }
  return level_from_name(word);
}

const nlohmann::json* find_string_or_null(const nlohmann::json& object,
                                          std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto it = object.find(key); it != object.end()) {
      return &*it;
    }
  }
  return nullptr;
}

bool is_reserved_key(const std::string& key) {
  static constexpr std::array<std::string_view, 11> kReserved = {
      "level",  "lvl", "levelname", "severity", "message", "msg",
      "fields", "ts",  "timestamp", "time",     "asctime"};
  return std::find(kReserved.begin(), kReserved.end(), key) != kReserved.end();
}

/// A structured (JSON object) stderr line, or nullopt when it isn't one with a message.
std::optional<StderrLog> parse_structured(std::string_view line) {
  const std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line[start] != '{') {
    return std::nullopt;
  }
  nlohmann::json object = flow::shims::parse_json(line);
  if (!object.is_object()) {
    return std::nullopt;
  }
  const nlohmann::json* message = find_string_or_null(object, {"message", "msg"});
  if (message == nullptr) {
    return std::nullopt;
  }
  StderrLog entry;
  entry.message = message->is_string() ? message->get<std::string>() : message->dump();
  const nlohmann::json* level =
      find_string_or_null(object, {"level", "lvl", "levelname", "severity"});
  std::optional<Level> parsed;
  if (level != nullptr && level->is_string()) {
    parsed = level_from_name(level->get_ref<const std::string&>());
  }
  entry.level = parsed ? *parsed : (looks_like_error(entry.message) ? Level::error : Level::info);

  entry.fields = nlohmann::json::object();
  if (auto it = object.find("fields"); it != object.end() && it->is_object()) {
    entry.fields = std::move(*it);
  }
  for (auto& [key, value] : object.items()) {
    if (!is_reserved_key(key)) {
      entry.fields[key] = std::move(value);
    }
  }
  if (auto it = entry.fields.find("source"); it != entry.fields.end()) {
    entry.fields["logger"] = std::move(*it);  // keep the child's own logger name
  }
  entry.fields["source"] = "child stderr";
  return entry;
}

}  // namespace

bool looks_like_error(std::string_view text) noexcept {
  static constexpr std::array<std::string_view, 7> kWords = {
      "error", "failed", "panic", "timeout", "unable", "unrecognized", "unrecognised"};
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char first = lower(text[i]);
    for (const std::string_view word : kWords) {
      if (first == word.front() && text.size() - i >= word.size() &&
          equals_ignoring_case(text.substr(i, word.size()), word)) {
        return true;
      }
    }
  }
  return false;
}

StderrLog parse_stderr_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (auto structured = parse_structured(line)) {
    return std::move(*structured);
  }
  StderrLog entry;
  entry.message = std::string(line);
  if (auto level = leading_level_word(line)) {
    entry.level = *level;
  } else {
    entry.level = looks_like_error(line) ? Level::error : Level::info;
  }
  entry.fields = {{"source", "child stderr"}};
  return entry;
}

}  // namespace flow::shims
