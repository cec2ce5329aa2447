// SPDX-License-Identifier: Apache-2.0
#include "sql_value.hpp"

#include <charconv>
#include <cstdint>
#include <flow/error.hpp>
#include <nlohmann/json.hpp>

namespace sqlite {

void bind_json(sqlite3_stmt* stmt, int index, std::string_view json, std::string& scratch) {
  if (json.empty() || json == "null") {
    sqlite3_bind_null(stmt, index);
    return;
  }
  const char first = json.front();
  if (first == 't' || first == 'f') {
    sqlite3_bind_int(stmt, index, first == 't' ? 1 : 0);
    return;
  }
  if (first == '"') {
    const std::string_view body = json.substr(1, json.size() - 2);
    if (body.find('\\') == std::string_view::npos) {
      sqlite3_bind_text(stmt, index, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    } else {
      scratch = nlohmann::json::parse(json).get<std::string>();
      sqlite3_bind_text(stmt, index, scratch.data(), static_cast<int>(scratch.size()),
                        SQLITE_TRANSIENT);
    }
    return;
  }
  if (first == '{' || first == '[') {
    sqlite3_bind_text(stmt, index, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
    return;
  }
  // A number.
  const char* begin = json.data();
  const char* end = begin + json.size();
  if (json.find_first_of(".eE") == std::string_view::npos) {
    std::int64_t integer = 0;
    if (auto [ptr, ec] = std::from_chars(begin, end, integer); ec == std::errc() && ptr == end) {
      sqlite3_bind_int64(stmt, index, integer);
      return;
    }
    // Beyond int64 (Flow allows u64): keep the exact decimal text.
    sqlite3_bind_text(stmt, index, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
    return;
  }
  double number = 0;
  if (auto [ptr, ec] = std::from_chars(begin, end, number); ec != std::errc() || ptr != end) {
    throw flow::Error("not a JSON value: " + std::string(json));
  }
  sqlite3_bind_double(stmt, index, number);
}

std::string column_type(const std::vector<std::string>& types) {
  std::string type;
  for (const auto& t : types) {
    std::string this_type;
    if (t == "null") {
      continue;  // nullable: no effect on the declared type
    }
    if (t == "integer" || t == "boolean") {
      this_type = "INTEGER";
    } else if (t == "number") {
      this_type = "REAL";
    } else {
      this_type = "TEXT";  // strings; objects and arrays as JSON text
    }
    if (!type.empty() && type != this_type) {
      if ((type == "INTEGER" && this_type == "REAL") ||
          (type == "REAL" && this_type == "INTEGER")) {
        type = "REAL";
        continue;
      }
      return "";
    }
    type = this_type;
  }
  return type;
}

}  // namespace sqlite
