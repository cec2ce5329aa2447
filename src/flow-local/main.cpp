// SPDX-License-Identifier: Apache-2.0
// flow-local: run a connector of a flow.yaml locally, the way `flowctl raw …` and
// `flowctl preview` do, and check what it says against the protocol. See README.md.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "flow-local/catalog.hpp"
#include "flow-local/connector_process.hpp"
#include "flow-local/preview.hpp"
#include "flow-local/verbs.hpp"

namespace {

using flow::local::parse_duration_ms;

std::chrono::milliseconds duration_flag(const std::string& text, const std::string& flag) {
  auto ms = parse_duration_ms(text);
  if (!ms) {
    throw flow::ConfigError(flag + ": '" + text + "' is not a duration like 30s, 500ms, 2m");
  }
  return std::chrono::milliseconds(*ms);
}

std::vector<std::int64_t> sessions_flag(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      std::size_t used = 0;
      out.push_back(std::stoll(part, &used));
      if (used != part.size()) {
        throw std::invalid_argument(part);
      }
    } catch (const std::exception&) {
      throw flow::ConfigError("--sessions: '" + text +
                              "' must be a comma-separated list of integers like 2,1,-1");
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// The whole program; main() only adds a last-resort catch for what escapes before the
// console exists (building the command line can throw).
int run_flow_local(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a connector that exits early must not kill us

  CLI::App app{
      "flow-local: run Flow connectors of a flow.yaml locally, like flowctl, with "
      "protocol conformance checks"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the verb; subcommands inherit this
  bool log_json = false;
  bool lenient = false;
  bool no_validate = false;
  std::string log_level = "info";
  std::string output_format = "json";
  app.add_flag("--log-json", log_json, "Write logs as JSON lines (connector logs verbatim)");
  app.add_option("--log-level", log_level, "LOG_LEVEL passed to the connector")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("--lenient", lenient, "Report conformance violations as warnings and go on");
  app.add_flag("--no-validate", no_validate,
               "Skip JSON-schema validation of captured documents (key pointers are still "
               "checked)");
  std::string exit_grace = "5s";
  app.add_option("--exit-grace", exit_grace,
                 "How long a connector may take to exit after its stdin closes before it is "
                 "killed (default 5s; flow-local only)");
  app.add_option("-o,--output", output_format, "Output format (json only; for flowctl parity)")
      ->check(CLI::IsMember({"json"}));

  std::string source;
  std::optional<std::string> capture;
  bool emit_raw = false;
  bool print_checkpoint = false;
  std::string timeout;
  std::string sessions;
  std::string delay;
  std::string initial_state;
  flow::local::PreviewOptions preview;
  std::string name;
  std::string fixture;

  auto* raw = app.add_subcommand("raw", "Low-level commands: spec, discover, capture");
  raw->require_subcommand(1);
  raw->fallthrough();
  auto* spec_cmd = raw->add_subcommand("spec", "Print the connector's spec response");
  auto* discover_cmd = raw->add_subcommand(
      "discover", "Discover bindings and write them (with collections) into the catalog");
  auto* capture_cmd =
      raw->add_subcommand("capture", "Run one capture session and print its raw responses");
  for (auto* cmd : {spec_cmd, discover_cmd, capture_cmd}) {
    cmd->add_option("--source", source, "flow.yaml holding the capture")->required();
    cmd->add_option("--capture", capture, "Capture name (default: the only capture)");
  }
  discover_cmd->add_flag("--emit-raw", emit_raw,
                         "Print each discovered binding as a JSON line; write nothing");
  bool flat = false;
  discover_cmd->add_flag("--flat", flat, "Accepted for flowctl parity (no effect)");
  capture_cmd->add_flag("--print-checkpoint", print_checkpoint, "Also print checkpoint lines");
  capture_cmd->add_option("--timeout", timeout, "End the session after this long (e.g. 30s)");
  bool packed = false;
  auto* fixture_cmd = raw->add_subcommand("materialize-fixture",
                                          "Print the request stream of a materialization fixture");
  fixture_cmd->add_option("--source", source, "flow.yaml holding the materialization")->required();
  fixture_cmd->add_option("--name", name, "Materialization name (default: the only one)");
  fixture_cmd->add_option("--fixture", fixture, "Source documents (PROTOCOL.md §6)")->required();
  fixture_cmd->add_flag("--packed", packed, "Keys and values as FDB tuples (keyPacked, …)");

  auto* preview_cmd = app.add_subcommand(
      "preview", "Run a task (validate, apply, sessions) and print its committed documents");
  preview_cmd->add_option("--source", source, "flow.yaml holding the task")->required();
  preview_cmd->add_option("--name", name, "Task name (default: the only task)");
  preview_cmd->add_option("--sessions", sessions,
                          "Checkpoints per session, comma-separated; negative = unlimited "
                          "(default: one unlimited session)");
  preview_cmd->add_option("--timeout", timeout, "Stop the preview gracefully after this long");
  preview_cmd->add_option("--delay", delay, "Pause after each transaction (e.g. 1s)");
  preview_cmd->add_flag("--output-state", preview.output_state,
                        "Also print [\"connectorState\",{…}] lines");
  preview_cmd->add_option("--initial-state", initial_state, "Connector state to open with (JSON)");
  preview_cmd->add_option("--fixture", fixture,
                          "Source documents for materializations and derivations");
  preview_cmd->add_flag("--packed", preview.packed,
                        "Materializations: send keys and values as FDB tuples");

  CLI11_PARSE(app, argc, argv);

  flow::local::Console console({.json = log_json, .tty = isatty(STDERR_FILENO) != 0});
  try {
    auto catalog = flow::local::Catalog::load(source);
    flow::local::Conformance conformance(console, lenient);
    flow::local::OutputPrinter printer(STDOUT_FILENO);
    flow::local::RunContext ctx{.catalog = catalog,
                                .console = console,
                                .conformance = conformance,
                                .printer = printer,
                                .source = source,
                                .log_level = log_level,
                                .exit_grace = duration_flag(exit_grace, "--exit-grace"),
                                .validate_documents = !no_validate};
    std::optional<std::chrono::milliseconds> timeout_ms;
    if (!timeout.empty()) {
      timeout_ms = duration_flag(timeout, "--timeout");
    }

    int code = 0;
    if (spec_cmd->parsed()) {
      code = flow::local::raw_spec(ctx, capture);
    } else if (discover_cmd->parsed()) {
      code = flow::local::raw_discover(ctx, capture, emit_raw);
    } else if (capture_cmd->parsed()) {
      code = flow::local::raw_capture(ctx, capture, print_checkpoint, timeout_ms);
    } else if (fixture_cmd->parsed()) {
      code = flow::local::raw_materialize_fixture(
          ctx, name.empty() ? std::nullopt : std::optional<std::string>(name), fixture, packed);
    } else {
      if (!name.empty()) {
        preview.name = name;
      }
      if (!sessions.empty()) {
        preview.sessions = sessions_flag(sessions);
      }
      preview.timeout = timeout_ms;
      if (!delay.empty()) {
        preview.delay = duration_flag(delay, "--delay");
      }
      if (!initial_state.empty()) {
        preview.initial_state = nlohmann::json::parse(initial_state, nullptr, false);
        if (!preview.initial_state.is_object()) {
          throw flow::ConfigError("--initial-state must be a JSON object");
        }
      }
      if (!fixture.empty()) {
        preview.fixture = fixture;
      }
      code = flow::local::run_preview(ctx, preview);
    }
    if (conformance.warnings() > 0) {
      console.message(flow::log::Level::warn,
                      std::to_string(conformance.warnings()) +
                          " conformance violation(s) reported as warnings (--lenient)");
    }
    return code;
  } catch (const flow::local::ConformanceViolation&) {
    console.clear_progress();
    return 1;  // already reported
  } catch (const std::exception& e) {
    console.clear_progress();
    console.message(flow::log::Level::error, e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_flow_local(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flow-local: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "flow-local: unknown error\n");
    return 1;
  }
}
