// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

namespace sqlite {

/// Binds one JSON value (the text of a Store key or value element) to parameter `index`:
/// null → NULL, true/false → 1/0, integers → INTEGER (beyond int64: the decimal text),
/// other numbers → REAL, strings → TEXT (unescaped), objects and arrays → their JSON TEXT.
/// `json` must outlive the statement's next step (it is bound without a copy when it holds
/// no escapes); `scratch` holds unescaped strings.
///
/// Example:
///   std::string scratch;
///   sqlite::bind_json(stmt, 1, R"("a\"b")", scratch);   // binds the text a"b
void bind_json(sqlite3_stmt* stmt, int index, std::string_view json, std::string& scratch);

/// The column type declared for a field whose JSON types are `types` (Flow inference
/// `types`): INTEGER, REAL, TEXT, or "" (no declared type: any value) when mixed.
std::string column_type(const std::vector<std::string>& types);

}  // namespace sqlite
