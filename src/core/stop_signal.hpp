// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: the process-wide stop request set by SIGTERM/SIGINT.

namespace flow::detail {

/// Installs SIGTERM/SIGINT handlers that request a stop (a second signal exits at once with
/// 128+signal), and ignores SIGPIPE so a closed stdout surfaces as a write error, not a kill.
void install_signal_handlers();
/// True once SIGTERM/SIGINT arrived (or request_stop() was called).
bool stop_requested() noexcept;
void request_stop() noexcept;
/// Clears the request (tests only).
void reset_stop_request() noexcept;

}  // namespace flow::detail
