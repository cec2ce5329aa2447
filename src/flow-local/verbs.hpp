// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "flow-local/run_context.hpp"

/// The `raw` verbs, one file each (verb_spec.cpp, verb_discover.cpp, verb_raw_capture.cpp).
/// Each returns the process exit code and throws flow::Error subclasses on failure.
///
/// Example:
///   return flow::local::raw_spec(ctx, capture_name);
namespace flow::local {

/// Prints the connector's spec response object as one JSON line.
int raw_spec(RunContext& ctx, const std::optional<std::string>& capture);

/// With `emit_raw`, prints each discovered binding as one JSON line. Otherwise rewrites the
/// capture's bindings and adds a collection per binding to the flow.yaml that declares the
/// capture, and prints "Wrote N specifications under <source>.".
int raw_discover(RunContext& ctx, const std::optional<std::string>& capture, bool emit_raw);

/// One capture session printing raw `captured` lines (and `checkpoint` lines if asked).
int raw_capture(RunContext& ctx,
                const std::optional<std::string>& capture,
                bool print_checkpoint,
                std::optional<std::chrono::milliseconds> timeout);

/// Prints the request stream of a materialization fixture (raw_materialize_fixture.cpp).
int raw_materialize_fixture(RunContext& ctx,
                            const std::optional<std::string>& name,
                            const std::string& fixture_path,
                            bool packed);

}  // namespace flow::local
