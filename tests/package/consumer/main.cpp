// SPDX-License-Identifier: Apache-2.0
// A connector built outside the SDK tree, against the installed or vendored SDK.
#include <flow/capture.hpp>

namespace fc = flow::capture;

class Minimal final : public fc::Connector {
  fc::Spec spec(const fc::SpecRequest&) override {
    return {.config_schema = {{"type", "object"}},
            .resource_config_schema = {{"type", "object"},
                                       {"properties", {{"name", {{"type", "string"}}}}}},
            .documentation_url = "https://example.com/minimal",
            .resource_path_pointers = {"/name"}};
  }
  std::vector<fc::DiscoveredBinding> discover(const fc::Discover&) override {
    return {{.recommended_name = "numbers",
             .resource_config = {{"name", "numbers"}},
             .document_schema = {{"type", "object"}, {"required", {"n"}}},
             .key = {"/n"}}};
  }
  void pull(const fc::Open&, fc::Output& out) override {
    for (int n = 1; n <= 3; ++n) out.captured(0, R"({"n":)" + std::to_string(n) + "}");
    out.checkpoint(R"({"done":true})");  // commits the three documents
  }
};

int main(int argc, char** argv) {
  return fc::run<Minimal>(argc, argv);
}
