// SPDX-License-Identifier: Apache-2.0
#include "flow-local/capture_session.hpp"

#include <flow/json_util.hpp>
#include <thread>

#include "flow-local/connector_process.hpp"
#include "flow-local/unary_rpc.hpp"

namespace flow::local {
namespace {

std::vector<std::vector<std::string>> key_pointers_of(
    const Catalog& catalog, const std::vector<const CaptureBinding*>& bindings) {
  std::vector<std::vector<std::string>> out;
  out.reserve(bindings.size());
  for (const auto* binding : bindings) {
    out.push_back(catalog.collection(binding->target).key);
  }
  return out;
}

}  // namespace

std::string connector_state_line(const nlohmann::json& updated, bool merge_patch) {
  std::string out = R"(["connectorState",{"updated":)";
  out += updated.dump();
  if (merge_patch) {
    out += R"(,"mergePatch":true)";
  }
  out += "}]";
  return out;
}

CaptureSession::CaptureSession(RunContext& ctx,
                               const Catalog& catalog,
                               const std::vector<const CaptureBinding*>& bindings,
                               Progress& progress)
    : ctx_(ctx), progress_(progress), scanner_(key_pointers_of(catalog, bindings)) {
  for (const auto* binding : bindings) {
    const auto& collection = catalog.collection(binding->target);
    collections_.push_back(collection.name);
    prefixes_.push_back(OutputPrinter::collection_prefix(collection.name));
    if (ctx.validate_documents) {
      validators_.emplace_back(collection.write_schema);
    }
  }
}

CaptureSessionResult CaptureSession::run(const CaptureDef& capture,
                                         const OrderedJson& spec,
                                         nlohmann::json& state,
                                         const CaptureSessionOptions& options) {
  auto& conformance = ctx_.conformance;
  auto& printer = ctx_.printer;
  CaptureSessionResult result;

  ConnectorProcess connector(capture.endpoint, ctx_.console, ctx_.log_level);
  if (options.deadline) {
    connector.stop_after(*options.deadline, ctx_.exit_grace);
  }
  connector.send_internal_spec();
  connector.send(open_request(spec, state));

  enum class Phase { awaiting_spec, awaiting_opened, streaming };
  Phase phase = Phase::awaiting_spec;
  bool explicit_acks = false;
  bool ended_by_us = false;
  std::uint64_t pending_docs = 0;
  // Since the last checkpoint: a sourcedSchema, and the backfill signal ("" = none), which the
  // runtime requires to stand alone in its checkpoint (estuary/flow capture.proto).
  bool pending_schema = false;
  std::string pending_backfill;
  auto check_not_after_backfill = [&](const flow::Line& current, std::string_view kind) {
    if (!pending_backfill.empty()) {
      conformance.violation(rule::kBackfillAlone, current.number,
                            std::string(kind) + " follows `" + pending_backfill +
                                "` before a checkpoint; a backfill signal must stand alone "
                                "in its checkpoint",
                            current.text);
    }
  };
  std::size_t last_line = 0;
  auto last_flush = std::chrono::steady_clock::now();
  CapturedScanner::Captured captured;

  // A decoded `captured` message: range, key and schema checks, then staged for its checkpoint.
  auto on_captured = [&](const flow::Line& current) {
    const auto* line = &current;
    check_not_after_backfill(current, "captured");
    if (captured.binding >= prefixes_.size()) {
      conformance.violation(rule::kBindingRange, line->number,
                            "captured.binding " + std::to_string(captured.binding) +
                                " is out of range: the capture has " +
                                std::to_string(prefixes_.size()) + " binding(s)",
                            line->text);
      return;
    }
    const auto b = static_cast<std::size_t>(captured.binding);
    if (!captured.missing_key.empty()) {
      conformance.violation(rule::kDocumentKey, line->number,
                            "the document of binding " + std::to_string(b) + " (" +
                                collections_[b] + ") has no value at key pointer " +
                                captured.missing_key,
                            line->text);
    }
    if (ctx_.validate_documents) {
      if (auto error = validators_[b].validate(captured.doc)) {
        conformance.violation(rule::kDocumentSchema, line->number,
                              "the document of binding " + std::to_string(b) + " (" +
                                  collections_[b] +
                                  ") does not validate against the collection schema, " + *error,
                              line->text);
      }
    }
    if (options.raw_output) {
      printer.stage_line(line->text);  // the raw view shows messages as they arrive
      printer.commit();
    } else {
      printer.stage_document(prefixes_[b], captured.doc);
    }
    ++pending_docs;
    progress_.document(line->text.size());
  };
  // Any `captured` line: the scanner's fast prefix check is skipped for unusual spellings
  // (whitespace, key order) that the cold path recognised.
  auto scan_captured = [&](const flow::Line& current, bool any_spelling) {
    auto scanned = scanner_.scan(current, captured, any_spelling);
    if (scanned == CapturedScanner::Result::captured) {
      on_captured(current);
    } else if (scanned == CapturedScanner::Result::invalid) {
      conformance.violation(scanner_.problem().rule, current.number, scanner_.problem().message,
                            current.text);
    }
    return scanned != CapturedScanner::Result::other;
  };

  while (auto line = connector.next_line()) {
    last_line = line->number;
    if (ended_by_us || connector.stopped_by_timer()) {
      ended_by_us = true;
      continue;  // the session is over: drain until the connector exits
    }
    if (phase == Phase::streaming && scan_captured(*line, false)) {
      continue;  // (lenient: an invalid message is skipped)
    }

    auto response = parse_response(*line, kCaptureResponseKinds, conformance);
    if (!response) {
      continue;
    }
    if (phase == Phase::awaiting_spec) {
      if (response->kind != "spec") {
        conformance.violation(
            rule::kResponseKind, line->number,
            "expected `spec` in answer to the internal spec request, got `" + response->kind + "`",
            line->text);
      } else {
        check_spec(*response, conformance);
      }
      phase = Phase::awaiting_opened;
      continue;
    }
    if (phase == Phase::awaiting_opened) {
      phase = Phase::streaming;
      if (response->kind == "opened") {
        explicit_acks = check_opened(*response, conformance);
        continue;
      }
      conformance.violation(
          rule::kOpenedFirst, line->number,
          "the first response to open must be `opened`, got `" + response->kind + "`", line->text);
      // Lenient: carry on as if `opened` had been sent; re-handle this line below.
      if (response->kind == "captured") {
        scan_captured(*line, true);
        continue;
      }
    }

    if (response->kind == "captured" && phase == Phase::streaming) {
      scan_captured(*line, true);
      continue;
    }
    if (response->kind == "checkpoint") {
      auto checkpoint = check_checkpoint(*response, conformance);
      if (checkpoint) {
        if (checkpoint->merge_patch) {
          flow::json::merge_patch(state, checkpoint->updated);
        } else {
          state = checkpoint->updated;
        }
        if (options.output_state) {
          printer.stage_line(connector_state_line(checkpoint->updated, checkpoint->merge_patch));
        }
      }
      if (options.raw_output && options.print_checkpoints) {
        printer.stage_line(line->text);
      }
      printer.commit();
      result.documents += pending_docs;
      pending_docs = 0;
      pending_schema = false;
      pending_backfill.clear();
      ++result.checkpoints;
      progress_.checkpoint();
      auto now = std::chrono::steady_clock::now();
      if (now - last_flush > std::chrono::milliseconds(100)) {
        printer.flush();
        last_flush = now;
      }
      if (explicit_acks) {
        connector.send(R"({"acknowledge":{"checkpoints":1}})");
      }
      if (options.max_checkpoints >= 0 &&
          result.checkpoints >= static_cast<std::uint64_t>(options.max_checkpoints)) {
        // End the session as the runtime does: close stdin, and kill the connector if it has
        // not exited after the grace period (the supervisor thread does that).
        connector.end_session(ctx_.exit_grace);
        ended_by_us = true;
      }
      if (options.delay.count() > 0) {
        printer.flush();
        std::this_thread::sleep_for(options.delay);
      }
      continue;
    }
    if (response->kind == "sourcedSchema" || response->kind == "backfillBegin" ||
        response->kind == "backfillComplete") {
      if (response->kind == "sourcedSchema") {
        check_fields(response->body, {"binding", "documentSchema"}, "sourcedSchema", *response,
                     conformance);
        check_not_after_backfill(*line, "sourcedSchema");
        pending_schema = true;
      } else {
        check_fields(response->body, {"binding"}, response->kind, *response, conformance);
        if (pending_docs > 0 || pending_schema || !pending_backfill.empty()) {
          conformance.violation(
              rule::kBackfillAlone, line->number,
              response->kind + " must stand alone in its checkpoint, but " +
                  (pending_docs > 0 ? std::to_string(pending_docs) + " captured document(s)"
                   : pending_schema ? std::string("a sourcedSchema")
                                    : "a " + pending_backfill) +
                  " came before it since the last checkpoint",
              line->text);
        }
        pending_backfill = response->kind;
      }
      const auto* binding = find_field(response->body, "binding");
      std::uint64_t index =
          binding != nullptr && binding->is_number_unsigned() ? binding->get<std::uint64_t>() : 0;
      if (binding != nullptr && !binding->is_number_unsigned()) {
        conformance.violation(rule::kFieldType, line->number,
                              response->kind + ".binding must be a non-negative integer",
                              line->text);
      } else if (index >= prefixes_.size()) {
        conformance.violation(rule::kBindingRange, line->number,
                              response->kind + ".binding " + std::to_string(index) +
                                  " is out of range: the capture has " +
                                  std::to_string(prefixes_.size()) + " binding(s)",
                              line->text);
      }
      if (options.raw_output) {
        printer.stage_line(line->text);
        printer.commit();
      }
      continue;
    }
    conformance.violation(rule::kResponseKind, line->number,
                          "unexpected `" + response->kind + "` during a capture session",
                          line->text);
  }

  const bool ended = ended_by_us || connector.stopped_by_timer();
  result.timed_out = connector.stopped_by_timer();
  result.ended_by_connector = !ended;
  printer.discard();  // documents never committed are never shown
  auto status = connector.finish(ctx_.exit_grace);
  printer.flush();

  if (!ended) {
    if (!status.success()) {
      auto last = ctx_.console.last_connector_message();
      throw ConnectorError("connector `" + connector.program() + "` failed (" + status.describe() +
                           "): " + (last.empty() ? "connector exited with no log output" : last) +
                           connector.codec_hint());
    }
    if (phase != Phase::streaming) {
      conformance.violation(rule::kOpenedFirst, last_line,
                            "the connector exited without answering open with `opened`");
    }
    if (pending_docs > 0) {
      conformance.violation(rule::kUncommittedDocuments, last_line,
                            std::to_string(pending_docs) +
                                " document(s) were not followed by a checkpoint before the "
                                "connector exited; the runtime fails the task and they are "
                                "lost (\"unexpected capture connector EOF while within a "
                                "checkpoint\")");
    }
  }
  return result;
}

OrderedJson prepare_capture(RunContext& ctx, const CaptureDef& capture) {
  const auto bindings = enabled_bindings(capture);
  auto validated =
      run_unary(ctx, capture.endpoint, validate_request(ctx.catalog, capture, bindings),
                "validated", kCaptureResponseKinds, check_spec_hook);
  auto paths = check_validated(validated.response, bindings,
                               resource_path_pointers_of(validated.internal_spec), ctx.conformance);
  auto spec = capture_spec(ctx.catalog, capture, bindings, paths);
  auto applied = run_unary(ctx, capture.endpoint, apply_request(spec), "applied",
                           kCaptureResponseKinds, check_spec_hook);
  check_applied(applied.response, ctx.conformance);
  if (const auto* action = find_field(applied.response.body, "actionDescription");
      action != nullptr && action->is_string() && !action->get<std::string>().empty()) {
    ctx.console.message(flow::log::Level::info, "applied",
                        {{"actionDescription", action->get<std::string>()}});
  }
  return spec;
}

}  // namespace flow::local
