// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: the unescaped reference tokens of an RFC 6901 JSON pointer.

#include <string>
#include <string_view>
#include <vector>

namespace flow::airbyte::detail {

/// "/a/b~1c~0" → {"a", "b/c~"}; "" → {}.
inline std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) {
    return tokens;
  }
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() &&
               (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      token += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

}  // namespace flow::airbyte::detail
