// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: the process wrapper shared by capture::run, materialize::run and derive::run.

#include <functional>
#include <string_view>

namespace flow::detail {

/// Handles `--help`/`--version` (printing `usage` on stdout, exit 0), initialises logging
/// from LOG_LEVEL, installs signal handlers, and calls `serve`. Any escaped exception ends
/// as one final error log line (flow::ConfigError marked as a user-fixable config error)
/// and exit code 1.
int run_main(int argc, char** argv, std::string_view kind, const std::function<int()>& serve);

}  // namespace flow::detail
