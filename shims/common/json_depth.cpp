// SPDX-License-Identifier: Apache-2.0
#include <common/json_depth.hpp>
#include <flow/json_util.hpp>

namespace flow::shims {

bool json_depth_within(std::string_view text, std::size_t max_depth) {
  return flow::json::nesting_within(text, max_depth);
}

nlohmann::json parse_json(std::string_view text) {
  if (!json_depth_within(text)) {
    // Parentheses, not braces: a braced value_t would be a one-element array.
    nlohmann::json discarded(nlohmann::json::value_t::discarded);
    return discarded;
  }
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace flow::shims
