// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <flow/json_util.hpp>
#include <nlohmann/json.hpp>
#include <string_view>

/// A bound on how deeply a child's JSON may nest arrays and objects. nlohmann::json parses
/// without a depth limit, but copies, compares and dumps recursively, so a connector line of
/// a few hundred KB of '[' would overflow the stack; the JsonValidator walk recurses too.
/// It stays under simdjson's default maximum depth (1024), which On-Demand asserts in builds
/// without NDEBUG; real records nest a few dozen levels at most.
///
/// Example:
///   nlohmann::json message = flow::shims::parse_json(line.text);
///   if (message.is_discarded()) { /* not JSON, or nested deeper than kMaxJsonDepth */ }
namespace flow::shims {

inline constexpr std::size_t kMaxJsonDepth = flow::json::kMaxNesting;

/// Whether the arrays and objects in `text` nest at most `max_depth` levels. Brackets inside
/// strings do not count. A cheap scan, not a validation: invalid JSON may pass.
bool json_depth_within(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

/// `nlohmann::json::parse(text, nullptr, false)` for text from a child: discarded when the
/// text is not JSON or nests deeper than kMaxJsonDepth.
nlohmann::json parse_json(std::string_view text);

}  // namespace flow::shims
