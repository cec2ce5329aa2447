// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <common/child_session.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/process/temp_dir.hpp>
#include <flow/singer/capture_shim.hpp>
#include <flow/singer/discover.hpp>
#include <flow/singer/metric.hpp>
#include <flow/singer/spec.hpp>
#include <set>
#include <thread>

namespace flow::singer {

namespace {

using nlohmann::json;

/// Adapts flow::capture::Output to the read translator.
class OutputSink final : public ReadSink {
 public:
  explicit OutputSink(flow::capture::Output& out) : out_(out) {}
  void captured(std::uint32_t binding, std::string_view doc) override {
    out_.captured(binding, doc);
  }
  void checkpoint(const json& patch) override { out_.checkpoint(patch, true); }
  void sourced_schema(std::uint32_t binding, const json& schema) override {
    out_.sourced_schema(binding, schema);
  }

 private:
  flow::capture::Output& out_;
};

/// How often the stop watcher looks: short, since joining it waits up to this long.
constexpr std::chrono::milliseconds kStopPoll{10};

/// Stops the tap when the session is asked to stop (stdin EOF, SIGTERM). It runs on its own
/// thread because the reading thread may be blocked on the tap's stdout.
class StopWatcher {
 public:
  StopWatcher(const flow::capture::Output& out,
              flow::shims::ChildSession& child,
              std::chrono::milliseconds grace)
      : thread_([this, &out, &child, grace] {
          while (!done_.load()) {
            if (out.wait_for_stop(kStopPoll)) {
              flow::log::info("stopping the tap", {{"pid", child.pid()}});
              child.stop(grace);
              return;
            }
          }
        }) {}
  StopWatcher(const StopWatcher&) = delete;
  StopWatcher& operator=(const StopWatcher&) = delete;
  StopWatcher(StopWatcher&&) = delete;
  StopWatcher& operator=(StopWatcher&&) = delete;
  ~StopWatcher() {
    done_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

std::string string_or(const json& object, const char* key, const std::string& fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
             ? it->get<std::string>()
             : fallback;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : "; ") + part;
  }
  return out;
}

}  // namespace

CaptureShim::CaptureShim(CaptureShimOptions options) : options_(std::move(options)) {
  if (options_.argv.empty()) {
    throw flow::ConfigError("no Singer tap command given (expected: -- <tap command> [args])");
  }
  if (options_.config_schema) {
    config_schema_ = options_.config_schema;
  }
  catalog_flag_ = options_.catalog_flag;
}

CaptureShim::TapRun CaptureShim::run_to_end(const std::vector<std::string>& args,
                                            bool probe) const {
  std::vector<std::string> argv = options_.argv;
  argv.insert(argv.end(), args.begin(), args.end());
  // A probe (--about, --help) may fail on taps without it: its stderr is only debug output.
  flow::shims::StderrLineHandler on_stderr = forward_tap_stderr_line;
  if (probe) {
    on_stderr = [](std::string_view line) {
      flow::log::debug("tap stderr (probe)", {{"line", std::string(line)}});
    };
  }
  auto child = flow::shims::ChildSession::start({.argv = argv,
                                                 .env = options_.env,
                                                 .working_directory = options_.working_directory,
                                                 .on_stderr_line = std::move(on_stderr),
                                                 .idle_timeout = options_.idle_timeout});
  TapRun run;
  while (auto line = child->next_stdout_line()) {
    run.stdout_text.append(line->text);
    run.stdout_text += '\n';
  }
  auto status = child->finish();
  run.success = status.success() && !child->timed_out();
  if (!run.success) {
    run.failure = child->failure_message(status);
  }
  return run;
}

flow::capture::Spec CaptureShim::spec(const flow::capture::SpecRequest& /*request*/) {
  std::lock_guard lock(mutex_);
  if (!config_schema_) {
    TapRun about = run_to_end({"--about", "--format", "json"}, /*probe=*/true);
    std::optional<json> schema;
    if (about.success) {
      schema = config_schema_from_about(about.stdout_text);
    }
    if (!schema) {
      flow::log::warn(
          "the tap has no --about settings schema and no --config-schema file was given: "
          "accepting any config object");
      schema = permissive_config_schema();
    }
    config_schema_ = std::move(schema);
  }
  return {.config_schema = *config_schema_,
          .resource_config_schema = resource_config_schema(),
          .documentation_url = options_.documentation_url,
          .oauth2 = nullptr,
          .resource_path_pointers = {"/tap_stream_id"}};
}

json CaptureShim::run_discover(const json& config) const {
  flow::process::TempDir dir("flow-singer");
  const std::string config_path = dir.write_file("config.json", config.dump());
  TapRun run = run_to_end({"--config", config_path, "--discover"});
  if (!run.success) {
    throw flow::Error("tap --discover: " + run.failure);
  }
  return parse_catalog_output(run.stdout_text);
}

std::vector<flow::capture::DiscoveredBinding> CaptureShim::discover(
    const flow::capture::Discover& request) {
  return discovered_bindings(run_discover(request.config), options_.schema_inference);
}

std::vector<flow::capture::ValidatedBinding> CaptureShim::validate(
    const flow::capture::Validate& request) {
  const json catalog = run_discover(request.config);
  const bool tap_lists_streams = !catalog["streams"].empty();
  std::vector<std::string> problems;
  std::vector<flow::capture::ValidatedBinding> validated;
  std::set<std::string> seen;
  for (const auto& binding : request.bindings) {
    const std::string id = string_or(binding.resource_config, "tap_stream_id", "");
    const json* entry = id.empty() ? nullptr : find_entry(catalog, id);
    for (auto& problem : resource_problems(binding.resource_config, entry)) {
      problems.push_back(std::move(problem));
    }
    if (!id.empty() && entry == nullptr && tap_lists_streams) {
      problems.push_back("stream '" + id + "' is not in the tap's catalog");
    }
    if (!id.empty() && !seen.insert(id).second) {
      problems.push_back("stream '" + id + "' is bound more than once");
    }
    validated.push_back({.resource_path = {id}});
  }
  if (!tap_lists_streams && !request.bindings.empty()) {
    flow::log::warn("the tap's catalog lists no streams: bindings are not checked against it");
  }
  if (problems.empty() && options_.validate_with_test) {
    flow::process::TempDir dir("flow-singer");
    TapRun test =
        run_to_end({"--config", dir.write_file("config.json", request.config.dump()), "--test"});
    if (!test.success) {
      problems.push_back("tap --test: " + test.failure);
    }
  }
  if (!problems.empty()) {
    throw flow::ConfigError(join(problems));
  }
  return validated;
}

CatalogFlag CaptureShim::catalog_flag() {
  std::lock_guard lock(mutex_);
  if (!catalog_flag_) {
    TapRun help = run_to_end({"--help"}, /*probe=*/true);
    catalog_flag_ = catalog_flag_from_help(help.stdout_text);
    flow::log::debug("catalog flag detected from --help",
                     {{"flag", *catalog_flag_ == CatalogFlag::both         ? "both"
                               : *catalog_flag_ == CatalogFlag::properties ? "properties"
                                                                           : "catalog"}});
  }
  return *catalog_flag_;
}

void CaptureShim::pull(const flow::capture::Open& open, flow::capture::Output& out) {
  if (open.range.key_begin != 0 || open.range.key_end != 0xffffffff ||
      open.range.r_clock_begin != 0 || open.range.r_clock_end != 0xffffffff) {
    throw flow::ConfigError(
        "this capture is split into several shards, but a Singer tap cannot divide its work: "
        "run it as a single shard");
  }
  std::vector<ReadBinding> bindings;
  for (const auto& binding : open.capture.bindings) {
    const json& rc = binding.resource_config;
    const std::string id = string_or(rc, "tap_stream_id", "");
    if (id.empty()) {
      throw flow::ConfigError("binding for collection '" + binding.collection.name +
                              "' has no tap_stream_id in its resource config");
    }
    bindings.push_back({.tap_stream_id = id,
                        .stream = string_or(rc, "stream", id),
                        .state_key = binding.state_key.empty() ? id : binding.state_key,
                        .key = binding.collection.key,
                        .replication_method = string_or(rc, "replication_method", "FULL_TABLE")});
  }

  std::optional<json> discovered;
  if (options_.discover_on_open) {
    try {
      discovered = run_discover(open.capture.config);
    } catch (const flow::Error& e) {
      flow::log::warn("tap --discover failed at open; building the catalog from the collections",
                      {{"error", e.what()}});
    }
  }
  const json catalog = open_catalog(open.capture.bindings, discovered ? &*discovered : nullptr);
  const CatalogFlag flag = catalog_flag();

  OutputSink sink(out);
  ReadTranslator reader(std::move(bindings), open.state, options_.read, sink);

  flow::process::TempDir dir("flow-singer");
  std::vector<std::string> args = {"--config",
                                   dir.write_file("config.json", open.capture.config.dump())};
  for (auto& arg : catalog_arguments(flag, dir.write_file("catalog.json", catalog.dump()))) {
    args.push_back(std::move(arg));
  }
  const json tap_state = reader.tap_state();
  if (!tap_state.empty()) {
    args.emplace_back("--state");
    args.push_back(dir.write_file("state.json", tap_state.dump()));
  }
  std::vector<std::string> argv = options_.argv;
  argv.insert(argv.end(), args.begin(), args.end());

  auto child = flow::shims::ChildSession::start({.argv = argv,
                                                 .env = options_.env,
                                                 .working_directory = options_.working_directory,
                                                 .on_stderr_line = forward_tap_stderr_line,
                                                 .idle_timeout = options_.idle_timeout});
  flow::log::info("tap started", {{"bindings", open.capture.bindings.size()},
                                  {"resumed", !tap_state.empty()},
                                  {"pid", child->pid()}});
  flow::process::ExitStatus status;
  {
    StopWatcher watcher(out, *child, options_.stop_grace);
    while (auto line = child->next_stdout_line()) {
      reader.process(*line);
    }
    status = child->finish();
  }
  if (out.stopping()) {
    flow::log::info("capture stopped; documents after the tap's last STATE are not committed");
    return;
  }
  if (!status.success() || child->timed_out()) {
    throw flow::Error("the tap failed; documents after its last STATE are not committed: " +
                      child->failure_message(status));
  }
  reader.finish();
  const auto& stats = reader.stats();
  flow::log::info("tap finished", {{"records", stats.records},
                                   {"batchRecords", stats.batch_records},
                                   {"deletions", stats.deletions},
                                   {"checkpoints", stats.checkpoints},
                                   {"sourcedSchemas", stats.sourced_schemas},
                                   {"skippedRecords", stats.skipped_records}});
}

}  // namespace flow::singer
