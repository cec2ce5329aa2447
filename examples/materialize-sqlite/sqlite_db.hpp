// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

/// Thin RAII wrappers over the SQLite C API: errors become flow::Error with SQLite's message.
namespace sqlite {

/// A prepared statement. Bind, step, read columns; reset() before reuse.
///
/// Example:
///   sqlite::Statement s = db.prepare("SELECT doc FROM t WHERE id = ?");
///   sqlite3_bind_int64(s.get(), 1, 7);
///   if (s.step()) use(s.column_text(0));
///   s.reset();
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_; }
  /// One step: true when a row is available, false when done. Throws on errors.
  bool step();
  /// Resets for re-execution and clears bindings.
  void reset();
  /// Column `i` of the current row as text (valid until the next step/reset).
  [[nodiscard]] std::string_view column_text(int i) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

/// An open database connection.
///
/// Example:
///   sqlite::Database db("/tmp/x.db");
///   db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
class Database {
 public:
  explicit Database(const std::string& path);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&&) = delete;
  Database& operator=(Database&&) = delete;
  ~Database();

  [[nodiscard]] sqlite3* get() const noexcept { return db_; }
  void exec(const std::string& sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }

 private:
  sqlite3* db_ = nullptr;
};

/// `name` as a quoted SQL identifier: "na""me".
std::string quote_identifier(std::string_view name);

}  // namespace sqlite
