// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <common/child_session.hpp>
#include <flow/airbyte/capture_shim.hpp>
#include <flow/airbyte/configured_catalog.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/process/temp_dir.hpp>
#include <thread>

#include "airbyte_command.hpp"

namespace flow::airbyte {
namespace {

std::vector<std::string> with_args(std::vector<std::string> argv,
                                   std::initializer_list<std::string> args) {
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

/// Adapts flow::capture::Output to the read translator.
class OutputSink final : public ReadSink {
 public:
  explicit OutputSink(flow::capture::Output& out) : out_(out) {}
  void captured(std::uint32_t binding, std::string_view doc_json) override {
    out_.captured(binding, doc_json);
  }
  void captured_spliced(std::uint32_t binding,
                        std::string_view head,
                        std::string_view tail) override {
    out_.captured(binding, {head, tail});
  }
  void checkpoint(std::string_view merge_patch_json) override {
    out_.checkpoint(merge_patch_json, true);
  }

 private:
  flow::capture::Output& out_;
};

std::string stream_label(const ResourceConfig& rc) {
  return rc.ns.empty() ? rc.stream : rc.ns + "." + rc.stream;
}

}  // namespace

CaptureShim::CaptureShim(CaptureShimOptions options) : options_(std::move(options)) {
  if (options_.argv.empty()) {
    throw flow::ConfigError("no Airbyte source command given (expected: -- <command> [args])");
  }
}

nlohmann::json CaptureShim::current_config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

const nlohmann::json& CaptureShim::airbyte_spec() {
  if (!airbyte_spec_) {
    auto message = detail::expect_message(
        {.argv = with_args(options_.argv, {"spec"}),
         .env = options_.env,
         .idle_timeout = options_.idle_timeout,
         .what = "spec",
         .stopping = stopping_,
         .stop_grace = options_.stop_grace},
        "SPEC",
        [](const nlohmann::json&) { flow::log::warn("ignoring a CONTROL message during spec"); });
    airbyte_spec_ = message.value("spec", nlohmann::json());
  }
  return *airbyte_spec_;
}

flow::capture::Spec CaptureShim::spec(const flow::capture::SpecRequest& /*request*/) {
  return translate_spec(airbyte_spec(), options_.spec);
}

nlohmann::json CaptureShim::run_discover(const nlohmann::json& config) {
  flow::process::TempDir dir("flow-airbyte");
  const std::string config_path = dir.write_file("config.json", config.dump());
  auto message = detail::expect_message(
      {.argv = with_args(options_.argv, {"discover", "--config", config_path}),
       .env = options_.env,
       .idle_timeout = options_.idle_timeout,
       .what = "discover"},
      "CATALOG", [this](const nlohmann::json& update) { on_config_update(update); });
  return message.value("catalog", nlohmann::json::object());
}

std::vector<flow::capture::DiscoveredBinding> CaptureShim::discover(
    const flow::capture::Discover& request) {
  {
    std::lock_guard lock(config_mutex_);
    config_ = request.config;
  }
  auto result = translate_catalog(run_discover(request.config), options_.discover);
  for (const auto& warning : result.warnings) {
    flow::log::warn(warning);
  }
  return std::move(result.bindings);
}

std::vector<flow::capture::ValidatedBinding> CaptureShim::validate(
    const flow::capture::Validate& request) {
  {
    std::lock_guard lock(config_mutex_);
    config_ = request.config;
  }
  {
    flow::process::TempDir dir("flow-airbyte");
    const std::string config_path = dir.write_file("config.json", request.config.dump());
    auto message = detail::expect_message(
        {.argv = with_args(options_.argv, {"check", "--config", config_path}),
         .env = options_.env,
         .idle_timeout = options_.idle_timeout,
         .what = "check"},
        "CONNECTION_STATUS", [this](const nlohmann::json& update) { on_config_update(update); });
    const auto status = message.value("connectionStatus", nlohmann::json::object());
    if (status.value("status", std::string()) != "SUCCEEDED") {
      std::string text = status.value("message", std::string());
      throw flow::ConfigError(text.empty() ? "the Airbyte source's check failed" : text);
    }
  }
  if (request.bindings.empty()) {
    return {};
  }

  // Resolve each binding against the source's catalog.
  const auto catalog = run_discover(request.config);
  const nlohmann::json streams = catalog.value("streams", nlohmann::json::array());
  std::vector<std::string> errors;
  std::vector<flow::capture::ValidatedBinding> validated;
  for (const auto& binding : request.bindings) {
    ResourceConfig rc;
    try {
      rc = parse_resource_config(binding.resource_config);
    } catch (const flow::Error& e) {
      errors.emplace_back(e.what());
      validated.push_back({});
      continue;
    }
    // The values at resourcePathPointers (/namespace, /stream); an absent namespace is left
    // out, as flow::capture::resource_path() does and Estuary's Airbyte shims answer.
    validated.push_back({rc.ns.empty() ? std::vector<std::string>{rc.stream}
                                       : std::vector<std::string>{rc.ns, rc.stream}});
    const nlohmann::json* stream = nullptr;
    for (const auto& candidate : streams) {
      if (candidate.value("name", std::string()) == rc.stream &&
          (rc.ns.empty() || candidate.value("namespace", std::string()) == rc.ns)) {
        stream = &candidate;
        break;
      }
    }
    if (stream == nullptr) {
      errors.push_back("Resource '" + stream_label(rc) + "' was not found.");
      continue;
    }
    const auto modes = stream->value("supported_sync_modes", nlohmann::json::array());
    if (std::find(modes.begin(), modes.end(), rc.sync_mode) == modes.end()) {
      errors.push_back("stream '" + stream_label(rc) + "' does not support syncMode " +
                       rc.sync_mode + " (it supports " + modes.dump() + ")");
    }
    if (rc.sync_mode == "incremental" && rc.cursor_field.empty() &&
        !stream->value("source_defined_cursor", false) &&
        stream->value("default_cursor_field", nlohmann::json::array()).empty()) {
      errors.push_back("stream '" + stream_label(rc) +
                       "' is incremental but has no cursor: set cursorField");
    }
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) {
      message += (message.empty() ? "" : "; ") + e;
    }
    throw flow::ConfigError(message);
  }
  return validated;
}

void CaptureShim::on_config_update(const nlohmann::json& update) {
  const nlohmann::json& spec = airbyte_spec();
  const nlohmann::json schema =
      clean_config_schema(spec.value("connectionSpecification", nlohmann::json::object()));
  nlohmann::json merged = merge_config_update(current_config(), update);
  auto errors = validate_config(merged, schema);
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) {
      message += (message.empty() ? "" : "; ") + e;
    }
    throw flow::ConfigError(
        "the Airbyte source sent a CONTROL config update that does not match its own spec "
        "(not applied): " +
        message);
  }
  {
    std::lock_guard lock(config_mutex_);
    config_ = merged;
  }
  if (options_.encryptor) {
    flow::log::config_update("the Airbyte source updated its config",
                             options_.encryptor->seal(merged, schema));
  } else {
    flow::log::warn(
        "the Airbyte source updated its config, but no config encryptor is configured "
        "(--config-encryption-url): the update is used by this process only and will not "
        "outlive it",
        {{"config", redact_secrets(merged, schema)}});
  }
}

bool CaptureShim::run_sweep(const flow::capture::Open& open,
                            ReadTranslator& reader,
                            const nlohmann::json& catalog,
                            flow::capture::Output& out) {
  flow::process::TempDir dir("flow-airbyte");
  std::vector<std::string> argv = options_.argv;
  argv.insert(argv.end(),
              {"read", "--config", dir.write_file("config.json", current_config().dump()),
               "--catalog", dir.write_file("catalog.json", catalog.dump())});
  std::vector<StateBinding> state_bindings;
  for (const auto& b : read_bindings(open.capture.bindings)) {
    state_bindings.push_back({b.name, b.ns, b.state_key, b.row_id == RowIdMode::persistent});
  }
  if (auto state = airbyte_state_input(reader.flow_state(), state_bindings)) {
    argv.insert(argv.end(), {"--state", dir.write_file("state.json", state->dump())});
  }

  auto child = flow::shims::ChildSession::start(
      {.argv = argv, .env = options_.env, .idle_timeout = options_.idle_timeout});
  flow::process::ExitStatus status;
  {
    detail::StopWatcher watcher([&out] { return out.stopping(); }, *child, options_.stop_grace);
    reader.begin_sweep();
    while (auto line = child->next_stdout_line()) {
      reader.handle(*line);
    }
    status = child->finish();
  }
  if (out.stopping()) {
    flow::log::info("capture stopped; documents after the last STATE are not committed");
    return false;
  }
  if (!status.success()) {
    if (child->timed_out() || !reader.last_error()) {
      throw flow::Error("airbyte read: " + child->failure_message(status));
    }
    const auto& error = *reader.last_error();
    if (error.failure_type == "config_error") {
      throw flow::ConfigError("airbyte read failed (" + status.describe() + "): " + error.message);
    }
    throw flow::Error("airbyte read failed (" + status.describe() + "): " + error.message);
  }
  reader.end_sweep();
  flow::log::info("sweep done", {{"records", reader.records()},
                                 {"skippedRecords", reader.skipped_records()},
                                 {"states", reader.states()}});
  return true;
}

void CaptureShim::pull(const flow::capture::Open& open, flow::capture::Output& out) {
  {
    std::lock_guard lock(config_mutex_);
    config_ = open.capture.config;
  }
  if (open.range.key_begin != 0 || open.range.key_end != 0xffffffff ||
      open.range.r_clock_begin != 0 || open.range.r_clock_end != 0xffffffff) {
    throw flow::ConfigError(
        "this capture is split into several shards, but an Airbyte source cannot divide its "
        "work: run it as a single shard");
  }
  const nlohmann::json catalog = configured_catalog(open.capture.bindings);
  // A `spec` run started by a CONTROL message mid-read stops with the session too.
  stopping_ = [&out] { return out.stopping(); };
  OutputSink sink(out);
  ReadTranslator reader(read_bindings(open.capture.bindings), open.state, sink, this);
  while (run_sweep(open, reader, catalog, out)) {
    if (options_.interval.count() == 0) {
      return;
    }
    flow::log::debug("waiting for the next sweep", {{"intervalMs", options_.interval.count()}});
    if (out.wait_for_stop(options_.interval)) {
      return;
    }
  }
}

}  // namespace flow::airbyte
