// SPDX-License-Identifier: Apache-2.0
#pragma once

/// The process-wide stop request. run() installs SIGTERM/SIGINT handlers that set it; a
/// second signal exits at once. Work outside pull() (a shim's unary child run, a long
/// discover) can poll it to stop early.
///
/// Example:
///   while (!flow::stop_requested() && more_work()) { step(); }
namespace flow {

[[nodiscard]] bool stop_requested() noexcept;

}  // namespace flow
