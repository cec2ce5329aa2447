// SPDX-License-Identifier: Apache-2.0
#include "test_connector.hpp"

#include <cstdio>
#include <thread>

namespace flow::testing {

capture::Spec TestConnector::spec(const capture::SpecRequest& /*request*/) {
  return {.config_schema = {{"type", "object"},
                            {"properties", {{"password", {{"type", "string"}, {"secret", true}}}}}},
          .resource_config_schema = {{"type", "object"},
                                     {"properties", {{"table", {{"type", "string"}}}}}},
          .documentation_url = "https://example.com/docs",
          .resource_path_pointers = {"/schema", "/table"}};
}

std::vector<capture::DiscoveredBinding> TestConnector::discover(const capture::Discover& request) {
  std::vector<capture::DiscoveredBinding> bindings;
  for (const auto& table : request.config.value("tables", std::vector<std::string>{"t"})) {
    bindings.push_back({.recommended_name = table,
                        .resource_config = {{"table", table}},
                        .document_schema = {{"type", "object"}},
                        .key = {"/id"}});
  }
  return bindings;
}

bool TestConnector::explicit_acknowledgements(const capture::Open& request) {
  return request.capture.config.value("explicit", false);
}

void TestConnector::pull(const capture::Open& request, capture::Output& out) {
  const auto& config = request.capture.config;
  if (config.contains("fail")) {
    throw ConfigError(config["fail"].get<std::string>());
  }
  const auto docs = config.value("docs", 0U);
  const auto every = config.value("checkpoint_every", 1U);
  const auto binding = config.value("binding", 0U);
  if (config.value("sourced", false)) {
    out.sourced_schema(binding, {{"type", "object"}, {"additionalProperties", false}});
  }
  for (unsigned i = 1; i <= docs; ++i) {
    out.captured(binding, R"({"id":)" + std::to_string(i) + "}");
    if (i % every == 0) {
      out.checkpoint(nlohmann::json{{"cursor", i}});
    }
  }
  if (explicit_acknowledgements(request)) {
    while (acknowledged_ < out.checkpoints() && !out.wait_for_stop(std::chrono::milliseconds(5))) {
    }
    out.captured(binding,
                 R"({"id":0,"acknowledged":)" + std::to_string(acknowledged_.load()) + "}");
    out.checkpoint(R"({"acked":true})");
  }
  for (unsigned i = 0; i < config.value("trailing", 0U); ++i) {
    out.captured(binding, R"({"id":"trailing"})");
  }
}

ServeResult serve_input(capture::Connector& connector, const std::string& input) {
  std::FILE* in = std::tmpfile();
  std::FILE* out = std::tmpfile();
  std::fwrite(input.data(), 1, input.size(), in);
  std::fflush(in);
  std::rewind(in);
  ServeResult result;
  try {
    result.exit_code = capture::serve(connector, fileno(in), fileno(out));
  } catch (const std::exception& e) {
    result.error = e.what();
    result.exit_code = 1;
  }
  std::rewind(out);
  char buffer[65536];
  for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof(buffer), out)) > 0;) {
    result.output.append(buffer, n);
  }
  std::fclose(in);
  std::fclose(out);
  return result;
}

}  // namespace flow::testing
