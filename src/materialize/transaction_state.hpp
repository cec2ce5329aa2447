// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: the ordering rules of a materialize session (PROTOCOL.md §4.3 and §4.5), checked
// for both directions. The serve loop reports every request it reads and every response it
// writes; an event out of order throws flow::ProtocolError naming the rule and the stdin line.

#include <cstddef>
#include <optional>
#include <string_view>

namespace flow::materialize::detail {

enum class RequestKind {
  spec,
  validate,
  apply,
  open,
  acknowledge,
  load,
  flush,
  store,
  start_commit
};
enum class ResponseKind {
  spec,
  validated,
  applied,
  opened,
  acknowledged,
  loaded,
  flushed,
  started_commit
};

std::string_view request_name(RequestKind kind);
std::string_view response_name(ResponseKind kind);

/// Where a session is.
enum class Phase {
  unopened,              ///< before open: spec, validate and apply are answered one by one
  opening,               ///< open received, opened not yet sent
  awaiting_acknowledge,  ///< opened or startedCommit sent; the next transaction begins with
                         ///< acknowledge
  loading,               ///< acknowledge received; loads arrive (acknowledged may still be owed)
  flushing,              ///< flush received; loaded* then flushed owed
  storing,               ///< flushed sent; stores arrive and nothing may be sent
  committing,            ///< startCommit received; startedCommit owed
};

std::string_view phase_name(Phase phase);

/// Example:
///   TransactionStateMachine sm;
///   sm.on_request(RequestKind::open, 1);
///   sm.on_response(ResponseKind::opened);
///   sm.on_request(RequestKind::acknowledge, 2);
///   sm.on_request(RequestKind::load, 3);          // loads may precede acknowledged
///   sm.on_response(ResponseKind::acknowledged);   // exactly once
///   sm.on_request(RequestKind::flush, 4);
///   sm.on_response(ResponseKind::flushed);
///   sm.on_request(RequestKind::store, 5);
///   sm.on_response(ResponseKind::loaded);         // throws: nothing may be sent during stores
class TransactionStateMachine {
 public:
  /// A request read from stdin line `line`.
  void on_request(RequestKind kind, std::size_t line);
  /// A response about to be written (checked against the latest request's line).
  void on_response(ResponseKind kind);
  /// stdin reached EOF after `line` lines. Throws unless the session may end here.
  void on_eof(std::size_t line) const;

  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  [[nodiscard]] bool acknowledged_owed() const noexcept { return acknowledged_owed_; }
  [[nodiscard]] std::size_t transactions() const noexcept { return transactions_; }

 private:
  [[noreturn]] void fail_request(RequestKind kind, std::size_t line, std::string_view why) const;
  [[noreturn]] void fail_response(ResponseKind kind, std::string_view why) const;

  Phase phase_ = Phase::unopened;
  std::optional<RequestKind> unary_owed_;  // a spec/validate/apply awaiting its response
  bool acknowledged_owed_ = false;
  std::size_t loads_ = 0;         // loads in the current transaction
  std::size_t transactions_ = 0;  // startedCommits sent
  std::size_t line_ = 0;          // line of the latest request
};

}  // namespace flow::materialize::detail
