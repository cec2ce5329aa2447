// SPDX-License-Identifier: Apache-2.0
// `flow-local preview` for a capture: validate → apply → sessions of open + checkpoints.
#include "flow-local/capture_protocol.hpp"
#include "flow-local/capture_session.hpp"
#include "flow-local/preview.hpp"

namespace flow::local {

int preview_capture(RunContext& ctx, const PreviewOptions& options, const std::string& name) {
  const auto& capture = ctx.catalog.capture(name);
  const auto bindings = enabled_bindings(capture);
  const auto start = std::chrono::steady_clock::now();
  auto spec = prepare_capture(ctx, capture);

  Progress progress(ctx.console);
  CaptureSession session(ctx, ctx.catalog, bindings, progress);
  nlohmann::json state = options.initial_state;
  std::vector<std::int64_t> sessions = options.sessions;
  if (sessions.empty()) {
    sessions.push_back(-1);
  }
  for (auto max_checkpoints : sessions) {
    CaptureSessionOptions session_options;
    session_options.max_checkpoints = max_checkpoints;
    if (options.timeout) {
      session_options.deadline = start + *options.timeout;
    }
    session_options.output_state = options.output_state;
    session_options.delay = options.delay;
    auto result = session.run(capture, spec, state, session_options);
    if (result.timed_out) {
      break;
    }
  }
  progress.finish();
  ctx.printer.flush();
  return 0;
}

}  // namespace flow::local
