// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: the derive protocol's ordering rules as a pure state machine, so every legal and
// illegal ordering can be tested without a connector or pipes.

#include <cstddef>
#include <flow/derive.hpp>
#include <optional>
#include <string_view>

namespace flow::derive::detail {

enum class RequestKind { kSpec, kValidate, kOpen, kRead, kFlush, kStartCommit, kReset };
enum class ResponseKind { kSpec, kValidated, kOpened, kPublished, kFlushed, kStartedCommit };

std::string_view request_name(RequestKind kind);
std::string_view response_name(ResponseKind kind);
/// The request kind for a top-level variant key ("startCommit" or "start_commit", ...).
std::optional<RequestKind> request_kind(std::string_view key);

/// Where a session stands.
enum class Phase {
  kUnopened,     ///< before open: spec and validate are answered here
  kAwaitUnary,   ///< a spec or validate is waiting for its response
  kAwaitOpened,  ///< open received, `opened` not yet sent
  kIdle,         ///< opened, between transactions
  kReading,      ///< a transaction's reads
  kFlushing,     ///< flush received, `flushed` not yet sent (published still allowed)
  kFlushed,      ///< `flushed` sent: startCommit (V1) or the next transaction (V2) follows
  kCommitting,   ///< startCommit received, `startedCommit` not yet sent
};

/// What happened at end of input.
enum class EofOutcome {
  kClean,                 ///< between transactions or before open
  kAbandonedTransaction,  ///< mid-transaction: nothing of it was committed
};

/// The derive protocol's ordering rules. Feed it every request read and every response about
/// to be written; it throws flow::ProtocolError (with the stdin line number) on the first
/// message out of order.
///
/// Example:
///   ProtocolState state(StateDelivery::kStartedCommit);
///   state.on_request(RequestKind::kOpen, 1);
///   state.on_response(ResponseKind::kOpened);
///   state.on_request(RequestKind::kRead, 2);
///   state.on_response(ResponseKind::kFlushed);  // throws: `flushed` before `flush`
class ProtocolState {
 public:
  explicit ProtocolState(StateDelivery delivery) : delivery_(delivery) {}

  /// Result of a legal request.
  struct Step {
    /// True when this request starts a transaction right after `flushed` without a
    /// startCommit in between: the runtime is the V2 kind that skips startCommit.
    bool skipped_start_commit = false;
  };

  Step on_request(RequestKind kind, std::size_t line);
  /// `line` is the request line being answered, for the error message.
  void on_response(ResponseKind kind, std::size_t line = 0);
  EofOutcome on_eof() const;

  /// Switches where state updates go (after detecting a V2 runtime).
  void set_delivery(StateDelivery delivery) { delivery_ = delivery; }
  [[nodiscard]] StateDelivery delivery() const noexcept { return delivery_; }
  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  /// True while read() or flush() may publish.
  [[nodiscard]] bool may_publish() const noexcept {
    return phase_ == Phase::kReading || phase_ == Phase::kFlushing;
  }

 private:
  [[noreturn]] void reject_request(RequestKind kind, std::size_t line) const;

  StateDelivery delivery_;
  Phase phase_ = Phase::kUnopened;
  RequestKind pending_unary_ = RequestKind::kSpec;
};

}  // namespace flow::derive::detail
