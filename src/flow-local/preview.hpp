// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "flow-local/run_context.hpp"

/// `flow-local preview`: runs a task of the catalog the way `flowctl preview` does and prints
/// what it produces. run_preview() finds the task and dispatches on its kind (preview.cpp);
/// each kind lives in its own preview_<kind>.cpp.
///
/// Example:
///   PreviewOptions options;
///   options.sessions = {2, 1, -1};
///   return run_preview(ctx, options);
namespace flow::local {

struct PreviewOptions {
  std::optional<std::string> name;                   ///< --name; empty: the only task
  std::vector<std::int64_t> sessions;                ///< --sessions; empty: one unlimited session
  std::optional<std::chrono::milliseconds> timeout;  ///< --timeout (whole preview)
  std::chrono::milliseconds delay{0};                ///< --delay
  bool output_state = false;                         ///< --output-state
  nlohmann::json initial_state = nlohmann::json::object();  ///< --initial-state
  std::optional<std::string> fixture;  ///< --fixture (materializations, derivations)
  bool packed = false;                 ///< --packed: materialization keys/values as FDB tuples
};

/// Finds the task and runs the preview for its kind. Returns the process exit code.
int run_preview(RunContext& ctx, const PreviewOptions& options);

/// One function per task kind, each in its own file.
int preview_capture(RunContext& ctx, const PreviewOptions& options, const std::string& name);
int preview_derive(RunContext& ctx, const PreviewOptions& options, const std::string& name);
int preview_materialize(RunContext& ctx, const PreviewOptions& options, const std::string& name);

}  // namespace flow::local
