// SPDX-License-Identifier: Apache-2.0
// flow-singer-shim [options] -- <tap command...>
// Runs a Singer tap as a Flow capture connector (see flow::singer::CaptureShim).
#include <CLI/CLI.hpp>
#include <common/guarded_main.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/singer/capture_shim.hpp>
#include <fstream>
#include <sstream>

namespace {

// "90" (seconds), "250ms", "30s", "5m".
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t end = 0;
  double value = 0;
  try {
    value = std::stod(text, &end);
  } catch (const std::exception&) {
    throw flow::ConfigError("invalid duration '" + text + "' (use e.g. 30s, 250ms, 5m)");
  }
  const std::string unit = text.substr(end);
  const double scale = unit.empty() || unit == "s" ? 1000.0
                       : unit == "ms"              ? 1.0
                       : unit == "m"               ? 60000.0
                                                   : -1.0;
  if (scale < 0 || value < 0) {
    throw flow::ConfigError("invalid duration '" + text + "' (use e.g. 30s, 250ms, 5m)");
  }
  return std::chrono::milliseconds(static_cast<long long>(value * scale));
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw flow::ConfigError("cannot read " + path);
  }
  std::stringstream text;
  text << file.rdbuf();
  nlohmann::json value = nlohmann::json::parse(text.str(), nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    throw flow::ConfigError(path + " is not a JSON object");
  }
  return value;
}

// The whole program; main() adds a last-resort catch for what escapes before logging is set
// up (building the command line can throw).
int run_shim(int argc, char** argv) {
  CLI::App app{
      "Runs a Singer tap as an Estuary Flow capture connector.\n"
      "Usage: flow-singer-shim [options] -- <tap command and args>"};
  std::string config_schema;
  std::string documentation_url = "https://docs.estuary.dev";
  std::string catalog_flag;
  std::string unknown_streams = "skip";
  std::string idle_timeout = "0";
  std::string stop_grace = "10s";
  std::size_t max_version_keys = 100000;
  bool no_schema_inference = false;
  bool no_discover_on_open = false;
  bool validate_with_test = false;
  bool allow_records_without_schema = false;
  std::vector<std::string> command;
  app.add_option("--config-schema", config_schema,
                 "The tap's config JSON schema (a file); default: from --about --format json");
  app.add_option("--documentation-url", documentation_url, "The documentation URL in spec");
  app.add_option("--catalog-flag", catalog_flag,
                 "How the tap takes its catalog: catalog, properties or both (default: detected "
                 "from --help)")
      ->check(CLI::IsMember({"catalog", "properties", "both"}));
  app.add_option("--unknown-streams", unknown_streams,
                 "Records of streams no binding captures: skip (with a warning) or fail")
      ->check(CLI::IsMember({"skip", "fail"}));
  app.add_flag("--allow-records-without-schema", allow_records_without_schema,
               "Accept a RECORD before its stream's SCHEMA");
  app.add_option("--max-version-keys", max_version_keys,
                 "Keys tracked per stream for ACTIVATE_VERSION deletions");
  app.add_flag("--no-schema-inference", no_schema_inference,
               "Do not mark discovered schemas x-infer-schema");
  app.add_flag("--no-discover-on-open", no_discover_on_open,
               "Build the tap's catalog from the collections instead of running --discover");
  app.add_flag("--validate-with-test", validate_with_test, "Validate also runs the tap's --test");
  app.add_option("--idle-timeout", idle_timeout,
                 "Kill a tap that prints nothing for this long (0 = never)");
  app.add_option("--stop-grace", stop_grace, "SIGTERM → SIGKILL grace when stopping the tap");
  app.add_option("command", command, "The tap command, after --")->required();
  app.positionals_at_end();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  flow::log::init();
  try {
    flow::singer::CaptureShimOptions options;
    options.argv = command;
    if (!config_schema.empty()) {
      options.config_schema = read_json_file(config_schema);
    }
    options.documentation_url = documentation_url;
    if (!catalog_flag.empty()) {
      options.catalog_flag = flow::singer::parse_catalog_flag(catalog_flag);
    }
    options.schema_inference = !no_schema_inference;
    options.discover_on_open = !no_discover_on_open;
    options.validate_with_test = validate_with_test;
    options.read.skip_unknown_streams = unknown_streams == "skip";
    options.read.require_schema = !allow_records_without_schema;
    options.read.max_version_keys = max_version_keys;
    options.idle_timeout = parse_duration(idle_timeout);
    options.stop_grace = parse_duration(stop_grace);
    flow::singer::CaptureShim shim(std::move(options));
    // Our options are parsed; the SDK sees only the program name.
    return flow::capture::run(shim, 1, argv);
  } catch (const std::exception& e) {
    flow::log::error(e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return flow::shims::guarded_main(argc, argv, run_shim);
}
