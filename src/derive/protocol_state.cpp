// SPDX-License-Identifier: Apache-2.0
#include "derive/protocol_state.hpp"

#include <flow/error.hpp>
#include <string>

namespace flow::derive::detail {

std::string_view request_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::kSpec:
      return "spec";
    case RequestKind::kValidate:
      return "validate";
    case RequestKind::kOpen:
      return "open";
    case RequestKind::kRead:
      return "read";
    case RequestKind::kFlush:
      return "flush";
    case RequestKind::kStartCommit:
      return "startCommit";
    case RequestKind::kReset:
      return "reset";
  }
  return "?";
}

std::string_view response_name(ResponseKind kind) {
  switch (kind) {
    case ResponseKind::kSpec:
      return "spec";
    case ResponseKind::kValidated:
      return "validated";
    case ResponseKind::kOpened:
      return "opened";
    case ResponseKind::kPublished:
      return "published";
    case ResponseKind::kFlushed:
      return "flushed";
    case ResponseKind::kStartedCommit:
      return "startedCommit";
  }
  return "?";
}

std::optional<RequestKind> request_kind(std::string_view key) {
  if (key == "spec") {
    return RequestKind::kSpec;
  }
  if (key == "validate") {
    return RequestKind::kValidate;
  }
  if (key == "open") {
    return RequestKind::kOpen;
  }
  if (key == "read") {
    return RequestKind::kRead;
  }
  if (key == "flush") {
    return RequestKind::kFlush;
  }
  if (key == "startCommit" || key == "start_commit") {
    return RequestKind::kStartCommit;
  }
  if (key == "reset") {
    return RequestKind::kReset;
  }
  return std::nullopt;
}

namespace {

std::string quoted(std::string_view name) {
  return "'" + std::string(name) + "'";
}

}  // namespace

void ProtocolState::reject_request(RequestKind kind, std::size_t line) const {
  const std::string what = quoted(request_name(kind));
  switch (phase_) {
    case Phase::kUnopened:
      throw ProtocolError(line, what + " before 'open'");
    case Phase::kAwaitUnary:
      throw ProtocolError(line, what + " while '" + std::string(request_name(pending_unary_)) +
                                    "' awaits its response");
    case Phase::kAwaitOpened:
      throw ProtocolError(line, what + " before 'opened' was sent");
    case Phase::kIdle:
      if (kind == RequestKind::kStartCommit) {
        throw ProtocolError(line, "'startCommit' before 'flush' (no transaction is flushed)");
      }
      break;
    case Phase::kReading:
      if (kind == RequestKind::kStartCommit) {
        throw ProtocolError(line, "'startCommit' before 'flush' ended the transaction's reads");
      }
      if (kind == RequestKind::kReset) {
        throw ProtocolError(line, "'reset' inside a transaction (only between transactions)");
      }
      throw ProtocolError(line, what + " inside a transaction");
    case Phase::kFlushing:
      throw ProtocolError(line, what + " while 'flush' awaits 'flushed'");
    case Phase::kFlushed:
      throw ProtocolError(line, what + " after 'flushed' (expected 'startCommit')");
    case Phase::kCommitting:
      throw ProtocolError(line, what + " while 'startCommit' awaits 'startedCommit'");
  }
  if (kind == RequestKind::kOpen) {
    throw ProtocolError(line, "a second 'open' in one session (a new session needs a new process)");
  }
  throw ProtocolError(line, what + " after 'open' (only allowed before it)");
}

ProtocolState::Step ProtocolState::on_request(RequestKind kind, std::size_t line) {
  Step step;
  switch (kind) {
    case RequestKind::kSpec:
    case RequestKind::kValidate:
      if (phase_ != Phase::kUnopened) {
        reject_request(kind, line);
      }
      pending_unary_ = kind;
      phase_ = Phase::kAwaitUnary;
      return step;
    case RequestKind::kOpen:
      if (phase_ != Phase::kUnopened) {
        reject_request(kind, line);
      }
      phase_ = Phase::kAwaitOpened;
      return step;
    case RequestKind::kRead:
    case RequestKind::kFlush:
      if (phase_ == Phase::kFlushed) {
        // The runtime moved on without startCommit: the V2 runtime does that (and repeats
        // Flush while any shard asks for `more`).
        step.skipped_start_commit = true;
      } else if (phase_ != Phase::kIdle && phase_ != Phase::kReading) {
        reject_request(kind, line);
      }
      phase_ = kind == RequestKind::kRead ? Phase::kReading : Phase::kFlushing;
      return step;
    case RequestKind::kStartCommit:
      if (phase_ != Phase::kFlushed) {
        reject_request(kind, line);
      }
      phase_ = Phase::kCommitting;
      return step;
    case RequestKind::kReset:
      if (phase_ == Phase::kFlushed) {
        // V2: the transaction ended at `flushed`.
        step.skipped_start_commit = true;
        phase_ = Phase::kIdle;
        return step;
      }
      if (phase_ != Phase::kIdle) {
        reject_request(kind, line);
      }
      return step;
  }
  reject_request(kind, line);
}

void ProtocolState::on_response(ResponseKind kind, std::size_t line) {
  auto reject = [&](const std::string& why) {
    throw ProtocolError(line, "cannot send '" + std::string(response_name(kind)) + "': " + why);
  };
  switch (kind) {
    case ResponseKind::kSpec:
    case ResponseKind::kValidated: {
      const RequestKind wanted =
          kind == ResponseKind::kSpec ? RequestKind::kSpec : RequestKind::kValidate;
      if (phase_ != Phase::kAwaitUnary || pending_unary_ != wanted) {
        reject("no '" + std::string(request_name(wanted)) + "' request awaits it");
      }
      phase_ = Phase::kUnopened;
      return;
    }
    case ResponseKind::kOpened:
      if (phase_ != Phase::kAwaitOpened) {
        reject("no 'open' request awaits it");
      }
      phase_ = Phase::kIdle;
      return;
    case ResponseKind::kPublished:
      if (phase_ == Phase::kFlushed || phase_ == Phase::kCommitting) {
        reject("the transaction already sent 'flushed'");
      }
      if (!may_publish()) {
        reject("no transaction is open (publish only from read() or flush())");
      }
      return;
    case ResponseKind::kFlushed:
      if (phase_ != Phase::kFlushing) {
        reject("'flushed' only answers 'flush', which was not received");
      }
      phase_ = Phase::kFlushed;
      return;
    case ResponseKind::kStartedCommit:
      if (phase_ != Phase::kCommitting) {
        reject("no 'startCommit' request awaits it");
      }
      phase_ = Phase::kIdle;
      return;
  }
}

EofOutcome ProtocolState::on_eof() const {
  switch (phase_) {
    case Phase::kUnopened:
    case Phase::kIdle:
      return EofOutcome::kClean;
    case Phase::kFlushed:
      // V2 ends a transaction at `flushed`; V1 still owed a startCommit.
      return delivery_ == StateDelivery::kFlushed ? EofOutcome::kClean
                                                  : EofOutcome::kAbandonedTransaction;
    default:
      return EofOutcome::kAbandonedTransaction;
  }
}

}  // namespace flow::derive::detail
