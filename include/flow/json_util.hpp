// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

/// Cold-path JSON helpers on nlohmann::json: RFC 6901 pointers and RFC 7396 merge patches.
///
/// Example:
///   nlohmann::json state = {{"a", 1}};
///   flow::json::merge_patch(state, {{"a", nullptr}, {"b", 2}});   // state == {"b":2}
///   flow::json::escape_pointer_token("a/b~c");                    // "a~1b~0c"
namespace flow::json {

/// Applies `patch` to `target` in place, per RFC 7396 (null deletes; non-objects replace).
void merge_patch(nlohmann::json& target, const nlohmann::json& patch);

/// Escapes one JSON-pointer reference token: '~' → "~0", '/' → "~1".
std::string escape_pointer_token(std::string_view token);
/// Builds "/a/b" from unescaped tokens.
std::string make_pointer(const std::vector<std::string>& tokens);
/// The value at `pointer` in `doc`, or nullptr when absent (never throws on a missing path).
const nlohmann::json* find_pointer(const nlohmann::json& doc, std::string_view pointer);

/// How deeply JSON from outside may nest arrays and objects before nlohmann::json is let near
/// it: nlohmann parses without a depth limit but copies, compares, dumps and destroys
/// recursively, so a few hundred KB of '[' would overflow the stack. Real documents nest a
/// few dozen levels; simdjson's own default limit is 1024.
inline constexpr std::size_t kMaxNesting = 1000;

/// Whether the arrays and objects in `text` nest at most `max_depth` levels (brackets inside
/// strings do not count). A cheap scan, not a validation: invalid JSON may pass.
bool nesting_within(std::string_view text, std::size_t max_depth = kMaxNesting);

}  // namespace flow::json
