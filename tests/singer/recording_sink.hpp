// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/line_reader.hpp>
#include <flow/singer/read_translator.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flow::singer::testing {

/// A ReadSink that keeps everything, as (kind, binding, json) events in order.
class RecordingSink final : public ReadSink {
 public:
  struct Event {
    std::string kind;  // "captured", "checkpoint", "sourcedSchema"
    std::uint32_t binding = 0;
    nlohmann::json body;
  };
  void captured(std::uint32_t binding, std::string_view doc) override {
    events.push_back({"captured", binding, nlohmann::json::parse(doc)});
    raw_docs.emplace_back(doc);
  }
  void checkpoint(const nlohmann::json& patch) override {
    events.push_back({"checkpoint", 0, patch});
    state.merge_patch(patch);
  }
  void sourced_schema(std::uint32_t binding, const nlohmann::json& schema) override {
    events.push_back({"sourcedSchema", binding, schema});
  }
  std::vector<nlohmann::json> docs(std::uint32_t binding) const {
    std::vector<nlohmann::json> out;
    for (const auto& e : events) {
      if (e.kind == "captured" && e.binding == binding) {
        out.push_back(e.body);
      }
    }
    return out;
  }
  std::size_t count(const std::string& kind) const {
    std::size_t n = 0;
    for (const auto& e : events) {
      n += e.kind == kind ? 1U : 0U;
    }
    return n;
  }

  std::vector<Event> events;
  std::vector<std::string> raw_docs;
  nlohmann::json state = nlohmann::json::object();  ///< every checkpoint merge-patched in
};

/// Feeds `text` (newline-separated lines) to `translator`, padded like LineReader's lines.
inline void feed(ReadTranslator& translator, const std::string& text) {
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    std::string padded = line + std::string(LineReader::kLinePadding, '\0');
    Line l{.text = std::string_view(padded.data(), line.size()),
           .capacity = padded.size(),
           .number = ++number,
           .terminated = true};
    translator.process(l);
    if (nl == std::string::npos) {
      break;
    }
    pos = nl + 1;
  }
}

}  // namespace flow::singer::testing
