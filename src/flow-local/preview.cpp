// SPDX-License-Identifier: Apache-2.0
//
// Preview dispatch. To add a task kind:
//   1. write preview_<kind>.cpp defining
//        int preview_<kind>(RunContext&, const PreviewOptions&, const std::string& name);
//      reusing the shared pieces (ConnectorProcess, run_unary, parse_response/check_fields,
//      Conformance, OutputPrinter, Progress, flow::json::merge_patch for state);
//   2. declare it in preview.hpp and add it to src/flow-local/CMakeLists.txt;
//   3. replace the matching `case` below with a call to it.
#include "flow-local/preview.hpp"

namespace flow::local {

int run_preview(RunContext& ctx, const PreviewOptions& options) {
  auto [kind, name] = ctx.catalog.find_task(options.name);
  switch (kind) {
    case TaskKind::capture:
      if (options.fixture) {
        throw flow::ConfigError("--fixture is for materializations and derivations; " + name +
                                " is a capture");
      }
      return preview_capture(ctx, options, name);
    case TaskKind::materialization:
      return preview_materialize(ctx, options, name);
    case TaskKind::derivation:
      return preview_derive(ctx, options, name);
  }
  return 1;
}

}  // namespace flow::local
