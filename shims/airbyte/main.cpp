// SPDX-License-Identifier: Apache-2.0
// flow-airbyte-shim [options] -- <airbyte source command...>
// Runs an Airbyte source as a Flow capture connector (see flow::airbyte::CaptureShim).
#include <CLI/CLI.hpp>
#include <common/guarded_main.hpp>
#include <cstdio>
#include <flow/airbyte/capture_shim.hpp>
#include <flow/airbyte/http_config_encryptor.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <fstream>
#include <sstream>

namespace {

// "90" (seconds), "250ms", "30s", "5m", "1h".
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t end = 0;
  const double value = std::stod(text, &end);
  const std::string unit = text.substr(end);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    throw flow::ConfigError("invalid duration '" + text + "' (use e.g. 30s, 250ms, 5m, 1h)");
  }
  if (ms < 0) {
    throw flow::ConfigError("invalid duration '" + text + "': negative");
  }
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw flow::ConfigError("cannot read " + path);
  }
  std::stringstream text;
  text << file.rdbuf();
  nlohmann::json value = nlohmann::json::parse(text.str(), nullptr, false);
  if (value.is_discarded()) {
    throw flow::ConfigError(path + " is not valid JSON");
  }
  return value;
}

// The whole program; main() adds a last-resort catch for what escapes before logging is set
// up (building the command line can throw).
int run_shim(int argc, char** argv) {
  CLI::App app{
      "Runs an Airbyte source as an Estuary Flow capture connector.\n"
      "Usage: flow-airbyte-shim [options] -- <airbyte source command and args>"};
  std::string interval = "0";
  std::string idle_timeout = "0";
  std::string stop_grace = "10s";
  std::string oauth2_file;
  std::string oauth2_provider;
  std::string documentation_url;
  std::string config_encryption_url;
  std::string config_schema_patch;
  std::vector<std::string> key_overrides;
  std::vector<std::string> selected;
  std::vector<std::string> omitted;
  bool schema_inference = false;
  std::vector<std::string> command;
  app.add_option("--interval", interval,
                 "Continuous mode: re-run `read` this long after each sweep (30s, 5m, …); 0 = one "
                 "sweep per session");
  app.add_option("--idle-timeout", idle_timeout,
                 "Fail a source that prints nothing for this long (0 = never)");
  app.add_option("--stop-grace", stop_grace, "SIGTERM → SIGKILL grace when stopping the source");
  app.add_option("--oauth2-file", oauth2_file, "A Flow OAuth2 spec (JSON) to announce");
  app.add_option("--oauth2-provider", oauth2_provider,
                 "OAuth2 provider name when translating advanced_auth");
  app.add_option("--documentation-url", documentation_url, "Overrides the docs URL");
  app.add_option("--config-encryption-url", config_encryption_url,
                 "Seal CONTROL config updates with this config-encryption endpoint");
  app.add_option("--config-schema-patch", config_schema_patch,
                 "A JSON merge patch (file) applied to the connectionSpecification");
  app.add_option("--key", key_overrides, "Key override: STREAM=/ptr[,/ptr…] (repeatable)");
  app.add_option("--select-stream", selected, "Enable only these streams at discover");
  app.add_option("--omit-stream", omitted, "Leave these streams out of discover");
  app.add_flag("--schema-inference", schema_inference,
               "Mark discovered schemas x-infer-schema, with the _meta/op delete reduction");
  app.add_option("command", command, "The Airbyte source command, after --")->required();
  app.positionals_at_end();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  flow::log::init();
  try {
    flow::airbyte::CaptureShimOptions options;
    options.argv = command;
    options.interval = parse_duration(interval);
    options.idle_timeout = parse_duration(idle_timeout);
    options.stop_grace = parse_duration(stop_grace);
    if (!oauth2_file.empty()) {
      options.spec.oauth2 = read_json_file(oauth2_file);
    }
    if (!oauth2_provider.empty()) {
      options.spec.oauth2_provider = oauth2_provider;
    }
    if (!documentation_url.empty()) {
      options.spec.documentation_url = documentation_url;
    }
    if (!config_schema_patch.empty()) {
      options.spec.config_schema_patch = read_json_file(config_schema_patch);
    }
    for (const auto& text : key_overrides) {
      auto eq = text.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw flow::ConfigError("--key '" + text + "': expected STREAM=/pointer[,/pointer…]");
      }
      std::vector<std::string> pointers;
      std::stringstream list(text.substr(eq + 1));
      for (std::string pointer; std::getline(list, pointer, ',');) {
        if (pointer.empty() || pointer.front() != '/') {
          throw flow::ConfigError("--key '" + text + "': '" + pointer + "' is not a JSON pointer");
        }
        pointers.push_back(pointer);
      }
      options.discover.key_overrides[text.substr(0, eq)] = pointers;
    }
    if (!selected.empty()) {
      options.discover.selected_streams = std::set<std::string>(selected.begin(), selected.end());
    }
    options.discover.omitted_streams = std::set<std::string>(omitted.begin(), omitted.end());
    options.discover.schema_inference = schema_inference;
    if (!config_encryption_url.empty()) {
      options.encryptor =
          std::make_shared<flow::airbyte::HttpConfigEncryptor>(config_encryption_url);
    }
    flow::airbyte::CaptureShim shim(std::move(options));
    // Our own options are parsed; the SDK only sees the program name.
    return flow::capture::run(shim, 1, argv);
  } catch (const std::exception& e) {
    flow::log::error(e.what(), {{"errorKind", "config"}});
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return flow::shims::guarded_main(argc, argv, run_shim);
}
