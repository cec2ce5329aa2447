// SPDX-License-Identifier: Apache-2.0
// `flow-local preview` for a materialization (PROTOCOL.md §4): validate and apply (each in its
// own process), then sessions of open + transactions built from a fixture, the way the
// runtime drives a connector:
//   acknowledge → load* (pipelined) → acknowledged → flush → loaded* → flushed → store* →
//   startCommit → startedCommit → acknowledge …
// Keys and values go as JSON arrays, or as FDB tuples with --packed. Every response is
// checked; materializations print only state lines (with --output-state), like flowctl.
// A connector that hands back our synthetic checkpoint in `opened` (destination-
// authoritative) resumes after the transaction it names.
#include <condition_variable>
#include <exception>
#include <flow/json_util.hpp>
#include <mutex>
#include <thread>

#include "flow-local/capture_session.hpp"
#include "flow-local/connector_process.hpp"
#include "flow-local/document_validator.hpp"
#include "flow-local/materialize_protocol.hpp"
#include "flow-local/preview.hpp"
#include "flow-local/unary_rpc.hpp"

namespace flow::local {
namespace {

struct MaterializeContext {
  RunContext& ctx;
  const PreviewOptions& options;
  const MaterializationDef& materialization;
  const std::vector<FixtureTransaction>& fixture;
  std::vector<BindingPlan> plans;
  OrderedJson spec;
  std::vector<std::optional<DocumentValidator>> validators;  // per binding
  nlohmann::json state;
};

void apply_state(MaterializeContext& mc, const std::optional<StateUpdate>& update) {
  if (!update) {
    return;
  }
  if (update->merge_patch) {
    flow::json::merge_patch(mc.state, update->updated);
  } else {
    mc.state = update->updated;
  }
  if (mc.options.output_state) {
    mc.ctx.printer.stage_line(connector_state_line(update->updated, update->merge_patch));
  }
}

/// Loads of one transaction: written from a thread (the connector may answer while loads
/// still arrive), then `flush` once `acknowledged` was received.
class LoadWriter {
 public:
  LoadWriter(ConnectorProcess& connector, std::vector<std::string> loads)
      : connector_(connector), loads_(std::move(loads)), thread_([this] { run(); }) {}
  LoadWriter(const LoadWriter&) = delete;
  LoadWriter& operator=(const LoadWriter&) = delete;
  LoadWriter(LoadWriter&&) = delete;
  LoadWriter& operator=(LoadWriter&&) = delete;
  ~LoadWriter() { stop(); }

  void acknowledged() {
    std::lock_guard lock(mutex_);
    acknowledged_ = true;
    cv_.notify_all();
  }
  [[nodiscard]] bool flush_sent() const {
    std::lock_guard lock(mutex_);
    return flush_sent_;
  }
  /// Ends the thread (sending nothing more if `acknowledged` never came); rethrows its error.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      abort_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  void rethrow() const {
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  void run() {
    try {
      for (const auto& line : loads_) {
        if (!connector_.send(line)) {
          return;
        }
      }
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return acknowledged_ || abort_; });
      if (!acknowledged_) {
        return;
      }
      flush_sent_ = true;  // set before sending: a `flushed` can only follow it
      lock.unlock();
      connector_.send(R"({"flush":{}})");
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  ConnectorProcess& connector_;
  std::vector<std::string> loads_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool acknowledged_ = false;
  bool abort_ = false;
  bool flush_sent_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

struct SessionResult {
  std::size_t next = 0;  // the next fixture transaction to run
  bool stopped = false;
};

SessionResult run_session(MaterializeContext& mc,
                          std::size_t next,
                          std::int64_t max_transactions,
                          std::optional<std::chrono::steady_clock::time_point> deadline) {
  auto& ctx = mc.ctx;
  auto& conformance = ctx.conformance;
  SessionResult result{.next = next, .stopped = false};

  ConnectorProcess connector(mc.materialization.endpoint, ctx.console, ctx.log_level);
  if (deadline) {
    connector.stop_after(*deadline, ctx.exit_grace);
  }
  connector.send_internal_spec();
  connector.send(materialize_open_request(mc.spec, mc.state));

  std::size_t last_line = 0;
  auto next_response = [&]() -> std::optional<Response> {
    while (auto line = connector.next_line()) {
      last_line = line->number;
      if (auto r = parse_response(*line, kMaterializeResponseKinds, conformance)) {
        return r;
      }
    }
    return std::nullopt;
  };

  bool opened = false;
  if (auto r = next_response()) {
    if (r->kind != "spec") {
      conformance.violation(
          rule::kResponseKind, r->line,
          "expected `spec` in answer to the internal spec request, got `" + r->kind + "`", r->text);
    } else {
      check_materialize_spec(*r, conformance);
    }
  }
  if (auto r = next_response()) {
    if (r->kind != "opened") {
      conformance.violation(rule::kOpenedFirst, r->line,
                            "the first response to open must be `opened`, got `" + r->kind + "`",
                            r->text);
    } else {
      opened = true;
      const auto checkpoint = check_materialize_opened(*r, conformance);
      if (auto committed = committed_transactions(checkpoint)) {
        const std::size_t resume = std::min(*committed, mc.fixture.size());
        if (resume != result.next) {
          ctx.console.message(flow::log::Level::info,
                              "resuming from the checkpoint the destination holds",
                              {{"committedTransactions", resume}});
        }
        result.next = resume;
      }
    }
  }

  bool ack_owed = opened && connector.send(R"({"acknowledge":{}})");
  bool connector_ended = !opened;
  std::int64_t done = 0;
  while (!connector_ended && result.next < mc.fixture.size() &&
         (max_transactions < 0 || done < max_transactions)) {
    if (connector.stopped_by_timer()) {
      result.stopped = true;
      break;
    }
    const std::size_t t = result.next;
    const PlannedTransaction planned = plan_transaction(mc.fixture[t], mc.plans);
    std::set<std::pair<std::uint32_t, std::string>> requested;
    std::vector<std::string> load_lines;
    for (const auto& [binding, key] : planned.loads) {
      requested.emplace(binding, key);
      load_lines.push_back(load_request(binding, key, mc.options.packed));
    }

    // Load phase: acknowledged (owed from the previous commit) and loaded*, then flushed.
    std::set<std::pair<std::uint32_t, std::string>> found;
    bool flushed = false;
    {
      LoadWriter writer(connector, std::move(load_lines));
      if (!ack_owed) {
        writer.acknowledged();
      }
      while (!flushed) {
        auto r = next_response();
        if (!r) {
          connector_ended = true;
          break;
        }
        if (r->kind == "acknowledged") {
          check_fields(r->body, {"state"}, "acknowledged", *r, conformance);
          if (!ack_owed) {
            conformance.violation(rule::kResponseKind, r->line,
                                  "a second `acknowledged` for one acknowledge (the runtime "
                                  "fails on duplicates)",
                                  r->text);
            continue;
          }
          ack_owed = false;
          apply_state(mc, check_state_update(*r, conformance));
          writer.acknowledged();
        } else if (r->kind == "loaded") {
          check_fields(r->body, {"binding", "doc"}, "loaded", *r, conformance);
          const auto* binding_field = find_field(r->body, "binding");
          const auto binding = binding_field != nullptr && binding_field->is_number_unsigned()
                                   ? binding_field->get<std::uint64_t>()
                                   : 0;
          const auto* doc = find_field(r->body, "doc");
          if (binding >= mc.plans.size()) {
            conformance.violation(rule::kBindingRange, r->line,
                                  "loaded.binding " + std::to_string(binding) + " is out of range",
                                  r->text);
            continue;
          }
          const auto& plan = mc.plans[binding];
          if (doc == nullptr || !doc->is_object()) {
            conformance.violation(rule::kFieldType, r->line, "loaded.doc must be an object",
                                  r->text);
            continue;
          }
          const std::string key = extract_array(nlohmann::json::parse(doc->dump()), plan.key_ptrs);
          const auto id = std::make_pair(static_cast<std::uint32_t>(binding), key);
          if (plan.delta_updates || requested.count(id) == 0) {
            conformance.violation(rule::kResponseKind, r->line,
                                  "loaded a document whose key " + key +
                                      " was not requested by a load in this transaction",
                                  r->text);
          } else if (!found.insert(id).second) {
            conformance.violation(rule::kResponseKind, r->line,
                                  "loaded key " + key + " twice in one transaction", r->text);
          }
        } else if (r->kind == "flushed") {
          check_fields(r->body, {"state"}, "flushed", *r, conformance);
          if (!writer.flush_sent()) {
            conformance.violation(rule::kResponseKind, r->line,
                                  ack_owed ? "`flushed` before `acknowledged` (the runtime fails)"
                                           : "`flushed` before `flush` was sent",
                                  r->text);
          }
          apply_state(mc, check_state_update(*r, conformance));
          flushed = true;
        } else {
          conformance.violation(rule::kResponseKind, r->line,
                                "unexpected `" + r->kind +
                                    "` in the load phase (expected acknowledged, loaded, flushed)",
                                r->text);
        }
      }
      writer.stop();
      writer.rethrow();
    }
    if (!flushed) {
      break;
    }

    // Store phase: the connector must send nothing until startedCommit.
    for (const auto& store : planned.stores) {
      if (ctx.validate_documents && mc.validators[store.binding]) {
        if (auto error = mc.validators[store.binding]->validate(store.doc)) {
          // Like the runtime failing mid-transaction: the connector is killed below with
          // its stores uncommitted.
          throw flow::Error("fixture transaction " + std::to_string(t + 1) + ", document " +
                            std::to_string(store.fixture_index) +
                            " does not validate against the schema of " +
                            mc.plans[store.binding].collection + ": " + *error);
        }
      }
      const bool exists = found.count({store.binding, store.key}) != 0;
      if (!connector.send(
              store_request(store, mc.plans[store.binding], exists, mc.options.packed))) {
        break;
      }
    }
    connector.send(start_commit_request(t + 1));
    auto r = next_response();
    if (!r) {
      connector_ended = true;
      break;
    }
    if (r->kind != "startedCommit") {
      conformance.violation(rule::kResponseKind, r->line,
                            "`" + r->kind +
                                "` during the store phase: nothing may be sent between flushed "
                                "and startedCommit",
                            r->text);
      break;
    }
    check_fields(r->body, {"state"}, "startedCommit", *r, conformance);
    apply_state(mc, check_state_update(*r, conformance));
    ctx.printer.commit();
    ctx.printer.flush();
    result.next = t + 1;
    ++done;
    if (ctx.log_level == "debug" || ctx.log_level == "trace") {
      ctx.console.message(flow::log::Level::debug, "transaction committed",
                          {{"transaction", t + 1},
                           {"loads", planned.loads.size()},
                           {"stores", planned.stores.size()}});
    }
    // The runtime commits its recovery log, then acknowledges the commit.
    ack_owed = connector.send(R"({"acknowledge":{}})");
    if (mc.options.delay.count() > 0) {
      std::this_thread::sleep_for(mc.options.delay);
    }
  }

  ctx.printer.discard();
  const bool timed_out = connector.stopped_by_timer();
  connector.close_stdin();
  // After EOF following an acknowledge, the connector may send `acknowledged`, then exit.
  while (auto r = next_response()) {
    if (r->kind == "acknowledged" && ack_owed && !connector_ended) {
      ack_owed = false;
      check_fields(r->body, {"state"}, "acknowledged", *r, conformance);
      apply_state(mc, check_state_update(*r, conformance));
      continue;
    }
    if (!timed_out) {
      conformance.violation(rule::kResponseKind, r->line,
                            "`" + r->kind + "` after the session ended (stdin was closed)",
                            r->text);
    }
  }
  const auto status = connector.finish(ctx.exit_grace);
  ctx.printer.commit();
  ctx.printer.flush();
  if (!status.success() && !timed_out) {
    const auto last = ctx.console.last_connector_message();
    throw ConnectorError("connector `" + connector.program() + "` failed (" + status.describe() +
                         "): " + (last.empty() ? "connector exited with no log output" : last) +
                         connector.codec_hint());
  }
  if (connector_ended && !timed_out) {
    conformance.violation(opened ? rule::kResponseKind : rule::kOpenedFirst, last_line,
                          opened ? "the connector exited in the middle of a transaction"
                                 : "the connector exited without answering open with `opened`");
  }
  result.stopped = result.stopped || timed_out || connector_ended;
  return result;
}

}  // namespace

int preview_materialize(RunContext& ctx, const PreviewOptions& options, const std::string& name) {
  if (!options.fixture) {
    throw flow::ConfigError("previewing materialization " + name +
                            " needs --fixture FILE (source documents to materialize)");
  }
  const auto start = std::chrono::steady_clock::now();
  const auto& materialization = ctx.catalog.materialization(name);
  const auto bindings = materialize_bindings(ctx.catalog, materialization);
  const auto fixture = load_materialize_fixture(*options.fixture);

  const auto validated =
      run_unary(ctx, materialization.endpoint,
                materialize_validate_request(ctx.catalog, materialization, bindings), "validated",
                kMaterializeResponseKinds, check_materialize_spec);
  MaterializeContext mc{
      .ctx = ctx,
      .options = options,
      .materialization = materialization,
      .fixture = fixture,
      .plans = plan_bindings(validated.response, ctx.catalog, bindings, ctx.conformance),
      .spec = {},
      .validators = {},
      .state = options.initial_state};
  mc.spec = materialization_spec(ctx.catalog, materialization, mc.plans);
  for (const auto& plan : mc.plans) {
    mc.validators.emplace_back();
    if (ctx.validate_documents) {
      const auto& collection = ctx.catalog.collection(plan.collection);
      mc.validators.back().emplace(collection.read_schema.is_null() ? collection.write_schema
                                                                    : collection.read_schema);
    }
  }

  const auto applied = run_unary(ctx, materialization.endpoint, materialize_apply_request(mc.spec),
                                 "applied", kMaterializeResponseKinds, check_materialize_spec);
  check_materialize_applied(applied.response, ctx.conformance);
  if (const auto* action = find_field(applied.response.body, "actionDescription");
      action != nullptr && action->is_string() && !action->get<std::string>().empty()) {
    ctx.console.message(flow::log::Level::info, "applied",
                        {{"actionDescription", action->get<std::string>()}});
  }
  apply_state(mc, check_state_update(applied.response, ctx.conformance));
  ctx.printer.commit();

  std::vector<std::int64_t> sessions = options.sessions;
  if (sessions.empty()) {
    sessions.push_back(-1);
  }
  std::size_t next = 0;
  for (const auto max_transactions : sessions) {
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (options.timeout) {
      deadline = start + *options.timeout;
    }
    const auto result = run_session(mc, next, max_transactions, deadline);
    next = result.next;
    if (result.stopped || next >= fixture.size()) {
      break;
    }
  }
  ctx.printer.flush();
  return 0;
}

}  // namespace flow::local
