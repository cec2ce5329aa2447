// SPDX-License-Identifier: Apache-2.0
// `flow-local raw spec`: internal spec, then the real spec; print the spec response.
#include "flow-local/capture_protocol.hpp"
#include "flow-local/unary_rpc.hpp"
#include "flow-local/verbs.hpp"

namespace flow::local {

int raw_spec(RunContext& ctx, const std::optional<std::string>& capture_name) {
  const auto& capture = ctx.catalog.capture(capture_name);
  auto result = run_unary(ctx, capture.endpoint, spec_request(capture), "spec",
                          kCaptureResponseKinds, check_spec_hook);
  check_spec(result.response, ctx.conformance);
  ctx.printer.line(result.response.body.dump());
  return 0;
}

}  // namespace flow::local
