// SPDX-License-Identifier: Apache-2.0
#include "core/stop_signal.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <flow/stop.hpp>

namespace flow::detail {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  if (g_stop.exchange(true)) {
    // Second signal: the operator insists. Async-signal-safe exit.
    _exit(128 + sig);
  }
}

}  // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR and sees the request
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
}

bool stop_requested() noexcept {
  return g_stop.load(std::memory_order_relaxed);
}
void request_stop() noexcept {
  g_stop.store(true);
}
void reset_stop_request() noexcept {
  g_stop.store(false);
}

}  // namespace flow::detail

namespace flow {

bool stop_requested() noexcept {
  return detail::stop_requested();
}

}  // namespace flow
