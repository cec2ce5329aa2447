// SPDX-License-Identifier: Apache-2.0
// The materialize-sqlite example's JSON → SQLite value translation.

#include "sql_value.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace {

/// Binds `json` to `SELECT typeof(?), quote(?)` and returns "type|quoted".
std::string bound(const std::string& json) {
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT typeof(?1) || '|' || quote(?1)", -1, &stmt, nullptr);
  std::string scratch;
  sqlite::bind_json(stmt, 1, json, scratch);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(SqlValue, JsonScalarsBindAsSqliteTypes) {
  EXPECT_EQ(bound("null"), "null|NULL");
  EXPECT_EQ(bound("true"), "integer|1");
  EXPECT_EQ(bound("false"), "integer|0");
  EXPECT_EQ(bound("-42"), "integer|-42");
  EXPECT_EQ(bound("9223372036854775807"), "integer|9223372036854775807");
  // Beyond int64 (a u64 Flow allows): the exact decimal text.
  EXPECT_EQ(bound("18446744073709551615"), "text|'18446744073709551615'");
  EXPECT_EQ(bound("2.5"), "real|2.5");
  EXPECT_EQ(bound("1e3"), "real|1000.0");
  EXPECT_EQ(bound(R"("plain")"), "text|'plain'");
  EXPECT_EQ(bound(R"("it's \"q\"\n")"), "text|'it''s \"q\"\n'");
  EXPECT_EQ(bound(R"({"a":[1,2]})"), R"(text|'{"a":[1,2]}')");
  EXPECT_EQ(bound("[1,2]"), "text|'[1,2]'");
}

TEST(SqlValue, ColumnTypesFromInferredTypes) {
  EXPECT_EQ(sqlite::column_type({"integer"}), "INTEGER");
  EXPECT_EQ(sqlite::column_type({"integer", "null"}), "INTEGER");
  EXPECT_EQ(sqlite::column_type({"boolean"}), "INTEGER");
  EXPECT_EQ(sqlite::column_type({"number"}), "REAL");
  EXPECT_EQ(sqlite::column_type({"integer", "number"}), "REAL");
  EXPECT_EQ(sqlite::column_type({"string"}), "TEXT");
  EXPECT_EQ(sqlite::column_type({"object"}), "TEXT");
  EXPECT_EQ(sqlite::column_type({"string", "integer"}), "");
  EXPECT_EQ(sqlite::column_type({}), "");
}

}  // namespace
