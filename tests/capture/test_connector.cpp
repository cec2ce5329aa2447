// SPDX-License-Identifier: Apache-2.0
#include "test_connector.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>
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

std::vector<capture::ValidatedBinding> TestConnector::validate(const capture::Validate& request) {
  if (!request.config.value("echo_collections", false)) {
    return capture::Connector::validate(request);
  }
  std::vector<capture::ValidatedBinding> bindings;
  for (const auto& binding : request.bindings) {
    std::vector<std::string> path{binding.collection.name};
    path.insert(path.end(), binding.collection.key.begin(), binding.collection.key.end());
    bindings.push_back({.resource_path = std::move(path)});
  }
  return bindings;
}

capture::Applied TestConnector::apply(const capture::Apply& request) {
  if (!request.capture.config.value("echo_collections", false)) {
    return capture::Connector::apply(request);
  }
  std::string description = "collections:";
  for (const auto& binding : request.capture.bindings) {
    description += " " + binding.collection.name;
  }
  return {.action_description = description};
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
  if (config.value("echo_collections", false)) {
    for (std::uint32_t i = 0; i < request.capture.bindings.size(); ++i) {
      const auto& collection = request.capture.bindings[i].collection;
      out.captured(i, nlohmann::json{{"collection", collection.name}, {"key", collection.key}});
    }
    out.checkpoint(R"({"echoed":true})");
  }
  if (config.value("sourced", false)) {
    out.sourced_schema(binding, {{"type", "object"}, {"additionalProperties", false}});
  }
  if (config.contains("backfill_begin")) {
    out.backfill_begin(config["backfill_begin"].get<std::uint32_t>());
  }
  for (unsigned i = 1; i <= docs; ++i) {
    out.captured(binding, R"({"id":)" + std::to_string(i) + "}");
    if (i % every == 0) {
      out.checkpoint(nlohmann::json{{"cursor", i}});
    }
  }
  if (config.contains("backfill_complete")) {
    out.backfill_complete(config["backfill_complete"].get<std::uint32_t>(),
                          R"({"backfilled":true})");
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

ServeResult serve_input(capture::Connector& connector,
                        const std::string& input,
                        const capture::ServeOptions& options,
                        std::optional<bool> session_input) {
  // Like the runtime, keep stdin open for the whole of a session (an input with an open) and
  // close it only when serve() returns; unary inputs end with EOF after the last request.
  const bool session = session_input.value_or(input.find(R"({"open":)") != std::string::npos);
  int in_fds[2];
  if (pipe(in_fds) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::thread writer([&] {
    std::size_t written = 0;
    while (written < input.size()) {
      const ssize_t n = write(in_fds[1], input.data() + written, input.size() - written);
      if (n <= 0) {
        break;  // serve() stopped reading
      }
      written += static_cast<std::size_t>(n);
    }
    if (!session) {
      close(in_fds[1]);
    }
  });
  std::FILE* out = std::tmpfile();
  ServeResult result;
  try {
    result.exit_code = capture::serve(connector, in_fds[0], fileno(out), options);
  } catch (const std::exception& e) {
    result.error = e.what();
    result.exit_code = 1;
  }
  close(in_fds[0]);  // unblocks a writer whose input serve() did not read
  writer.join();
  if (session) {
    close(in_fds[1]);
  }
  std::rewind(out);
  char buffer[65536];
  for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof(buffer), out)) > 0;) {
    result.output.append(buffer, n);
  }
  std::fclose(out);
  return result;
}

}  // namespace flow::testing
