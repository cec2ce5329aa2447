// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "flow-local/capture_protocol.hpp"
#include "flow-local/captured_scanner.hpp"
#include "flow-local/document_validator.hpp"
#include "flow-local/progress.hpp"
#include "flow-local/run_context.hpp"

/// One capture session, as the runtime runs it: a fresh connector process gets the internal
/// Spec and an Open carrying the reduced state, answers `opened`, then streams documents and
/// checkpoints. Every response is checked (opened first, binding range, key pointers, schema,
/// checkpoint state, unknown fields). Documents are printed only when their checkpoint
/// arrives; the checkpoint's state is merged (RFC 7396) into `state`. The session ends when
/// the connector exits, after `max_checkpoints` checkpoints, or at the deadline: flow-local
/// then closes the connector's stdin and kills it if it has not exited after the grace period.
///
/// Example:
///   CaptureSession session(ctx, catalog, bindings, progress);
///   nlohmann::json state = nlohmann::json::object();
///   auto result = session.run(capture, spec, state, {.max_checkpoints = 2});
namespace flow::local {

struct CaptureSessionOptions {
  std::int64_t max_checkpoints = -1;  ///< negative: unlimited
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool raw_output = false;             ///< print raw `captured` lines as they arrive (raw capture)
  bool print_checkpoints = false;      ///< with raw_output: print raw `checkpoint` lines too
  bool output_state = false;           ///< print ["connectorState",{…}] after each checkpoint
  std::chrono::milliseconds delay{0};  ///< pause after each checkpoint (a slow transaction)
};

struct CaptureSessionResult {
  std::uint64_t documents = 0;  ///< committed documents
  std::uint64_t checkpoints = 0;
  bool timed_out = false;           ///< the deadline ended the session
  bool ended_by_connector = false;  ///< the connector exited on its own
};

class CaptureSession {
 public:
  /// `bindings` are the enabled bindings of the capture, in CaptureSpec order. Throws
  /// flow::ConfigError if a collection schema cannot be used for validation.
  CaptureSession(RunContext& ctx,
                 const Catalog& catalog,
                 const std::vector<const CaptureBinding*>& bindings,
                 Progress& progress);

  CaptureSessionResult run(const CaptureDef& capture,
                           const OrderedJson& spec,
                           nlohmann::json& state,
                           const CaptureSessionOptions& options);

 private:
  RunContext& ctx_;
  Progress& progress_;
  std::vector<std::string> collections_;
  std::vector<std::string> prefixes_;  ///< `["<collection>",` per binding
  std::vector<DocumentValidator> validators_;
  CapturedScanner scanner_;
};

/// Validate and Apply a capture (each in its own connector process, as the runtime does) and
/// return the CaptureSpec that sessions open with. Shared by `preview` and `raw capture`.
OrderedJson prepare_capture(RunContext& ctx, const CaptureDef& capture);

/// `["connectorState",{"updated":…[,"mergePatch":true]}]`. Pure.
std::string connector_state_line(const nlohmann::json& updated, bool merge_patch);

}  // namespace flow::local
