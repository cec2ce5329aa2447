// SPDX-License-Identifier: Apache-2.0
// `flow-local raw capture`: validate → apply → one session, printing raw responses.
#include "flow-local/capture_session.hpp"
#include "flow-local/verbs.hpp"

namespace flow::local {

int raw_capture(RunContext& ctx,
                const std::optional<std::string>& capture_name,
                bool print_checkpoint,
                std::optional<std::chrono::milliseconds> timeout) {
  const auto& capture = ctx.catalog.capture(capture_name);
  const auto start = std::chrono::steady_clock::now();
  auto spec = prepare_capture(ctx, capture);
  Progress progress(ctx.console);
  CaptureSession session(ctx, ctx.catalog, enabled_bindings(capture), progress);
  nlohmann::json state = nlohmann::json::object();
  CaptureSessionOptions options;
  options.raw_output = true;
  options.print_checkpoints = print_checkpoint;
  if (timeout) {
    options.deadline = start + *timeout;
  }
  session.run(capture, spec, state, options);
  progress.finish();
  ctx.printer.flush();
  return 0;
}

}  // namespace flow::local
