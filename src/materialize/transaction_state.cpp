// SPDX-License-Identifier: Apache-2.0
#include "materialize/transaction_state.hpp"

#include <flow/error.hpp>
#include <string>

namespace flow::materialize::detail {

std::string_view request_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::spec:
      return "spec";
    case RequestKind::validate:
      return "validate";
    case RequestKind::apply:
      return "apply";
    case RequestKind::open:
      return "open";
    case RequestKind::acknowledge:
      return "acknowledge";
    case RequestKind::load:
      return "load";
    case RequestKind::flush:
      return "flush";
    case RequestKind::store:
      return "store";
    case RequestKind::start_commit:
      return "startCommit";
  }
  return "?";
}

std::string_view response_name(ResponseKind kind) {
  switch (kind) {
    case ResponseKind::spec:
      return "spec";
    case ResponseKind::validated:
      return "validated";
    case ResponseKind::applied:
      return "applied";
    case ResponseKind::opened:
      return "opened";
    case ResponseKind::acknowledged:
      return "acknowledged";
    case ResponseKind::loaded:
      return "loaded";
    case ResponseKind::flushed:
      return "flushed";
    case ResponseKind::started_commit:
      return "startedCommit";
  }
  return "?";
}

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::unopened:
      return "before open";
    case Phase::opening:
      return "while opening";
    case Phase::awaiting_acknowledge:
      return "between transactions (awaiting acknowledge)";
    case Phase::loading:
      return "in the load phase";
    case Phase::flushing:
      return "while flushing";
    case Phase::storing:
      return "in the store phase";
    case Phase::committing:
      return "while committing";
  }
  return "?";
}

namespace {

ResponseKind unary_response(RequestKind kind) {
  switch (kind) {
    case RequestKind::spec:
      return ResponseKind::spec;
    case RequestKind::validate:
      return ResponseKind::validated;
    default:
      return ResponseKind::applied;
  }
}

}  // namespace

void TransactionStateMachine::fail_request(RequestKind kind,
                                           std::size_t line,
                                           std::string_view why) const {
  throw ProtocolError(line, "unexpected '" + std::string(request_name(kind)) + "' request " +
                                std::string(phase_name(phase_)) + ": " + std::string(why));
}

void TransactionStateMachine::fail_response(ResponseKind kind, std::string_view why) const {
  throw ProtocolError(line_, "connector may not send '" + std::string(response_name(kind)) + "' " +
                                 std::string(phase_name(phase_)) + ": " + std::string(why));
}

void TransactionStateMachine::on_request(RequestKind kind, std::size_t line) {
  line_ = line;
  if (unary_owed_) {
    fail_request(kind, line,
                 "the '" + std::string(request_name(*unary_owed_)) + "' request is unanswered");
  }
  switch (kind) {
    case RequestKind::spec:
    case RequestKind::validate:
    case RequestKind::apply:
      if (phase_ != Phase::unopened) {
        fail_request(kind, line, "spec, validate and apply are only accepted before open");
      }
      unary_owed_ = kind;
      return;
    case RequestKind::open:
      if (phase_ != Phase::unopened) {
        fail_request(kind, line, "a session is opened once; a new session needs a new process");
      }
      phase_ = Phase::opening;
      return;
    case RequestKind::acknowledge:
      if (phase_ != Phase::awaiting_acknowledge) {
        fail_request(kind, line,
                     phase_ == Phase::unopened
                         ? "acknowledge before open"
                         : "acknowledge comes only after opened or startedCommit");
      }
      phase_ = Phase::loading;
      acknowledged_owed_ = true;
      loads_ = 0;
      return;
    case RequestKind::load:
      if (phase_ != Phase::loading) {
        fail_request(kind, line, "loads come after acknowledge and before flush");
      }
      ++loads_;
      return;
    case RequestKind::flush:
      if (phase_ != Phase::loading) {
        fail_request(kind, line, "flush comes after acknowledge and loads");
      }
      if (acknowledged_owed_) {
        fail_request(kind, line, "flush before acknowledged was sent");
      }
      phase_ = Phase::flushing;
      return;
    case RequestKind::store:
      if (phase_ != Phase::storing) {
        fail_request(kind, line, "stores come after flushed and before startCommit");
      }
      return;
    case RequestKind::start_commit:
      if (phase_ != Phase::storing) {
        fail_request(kind, line, "startCommit comes after flushed and the stores");
      }
      phase_ = Phase::committing;
      return;
  }
}

void TransactionStateMachine::on_response(ResponseKind kind) {
  if (phase_ == Phase::storing) {
    fail_response(kind, "nothing may be sent while stores arrive");
  }
  switch (kind) {
    case ResponseKind::spec:
    case ResponseKind::validated:
    case ResponseKind::applied:
      if (!unary_owed_ || unary_response(*unary_owed_) != kind) {
        fail_response(kind, "it answers no pending request");
      }
      unary_owed_.reset();
      return;
    case ResponseKind::opened:
      if (phase_ != Phase::opening) {
        fail_response(kind, "opened answers open, once");
      }
      phase_ = Phase::awaiting_acknowledge;
      return;
    case ResponseKind::acknowledged:
      if (!acknowledged_owed_) {
        fail_response(kind, "acknowledged is sent exactly once per acknowledge");
      }
      acknowledged_owed_ = false;
      return;
    case ResponseKind::loaded:
      if (phase_ != Phase::loading && phase_ != Phase::flushing) {
        fail_response(kind, "loaded is sent only between acknowledge and flushed");
      }
      if (loads_ == 0) {
        fail_response(kind, "no load was requested in this transaction");
      }
      return;
    case ResponseKind::flushed:
      if (phase_ != Phase::flushing) {
        fail_response(kind, "flushed answers flush");
      }
      if (acknowledged_owed_) {
        fail_response(kind, "flushed before acknowledged");
      }
      phase_ = Phase::storing;
      return;
    case ResponseKind::started_commit:
      if (phase_ != Phase::committing) {
        fail_response(kind, "startedCommit answers startCommit");
      }
      phase_ = Phase::awaiting_acknowledge;
      ++transactions_;
      return;
  }
}

void TransactionStateMachine::on_eof(std::size_t line) const {
  switch (phase_) {
    case Phase::unopened:
    case Phase::opening:
    case Phase::awaiting_acknowledge:
      return;
    case Phase::loading:
      if (loads_ == 0) {
        return;  // closed right after acknowledge: the runtime's way to end a session
      }
      throw ProtocolError(line, "stdin closed in the middle of a transaction (after " +
                                    std::to_string(loads_) + " load(s), before flush)");
    case Phase::flushing:
    case Phase::storing:
    case Phase::committing:
      throw ProtocolError(line, "stdin closed in the middle of a transaction (" +
                                    std::string(phase_name(phase_)) + ")");
  }
}

}  // namespace flow::materialize::detail
