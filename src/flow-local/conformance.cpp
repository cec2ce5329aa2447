// SPDX-License-Identifier: Apache-2.0
#include "flow-local/conformance.hpp"

namespace flow::local {

std::string excerpt_of(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) {
    return std::string(text);
  }
  std::size_t cut = max_chars;
  // Step back over UTF-8 continuation bytes so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "…";
}

void Conformance::violation(std::string_view rule_id,
                            std::size_t line,
                            std::string_view message,
                            std::string_view excerpt) {
  std::string text = "conformance [" + std::string(rule_id) + "]";
  if (line != 0) {
    text += " connector stdout message " + std::to_string(line);
  }
  text += ": " + std::string(message);
  nlohmann::json fields = {{"rule", rule_id}};
  if (line != 0) {
    fields["line"] = line;
  }
  if (!excerpt.empty()) {
    fields["excerpt"] = excerpt_of(excerpt);
  }
  if (lenient_) {
    ++warnings_;
    console_.message(flow::log::Level::warn, text, fields);
    return;
  }
  console_.message(flow::log::Level::error, text, fields);
  throw ConformanceViolation(text);
}

}  // namespace flow::local
