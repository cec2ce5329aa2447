// SPDX-License-Identifier: Apache-2.0
// The derive ordering rules, exhaustively: every (phase, request) and (phase, response) pair is
// checked against the table below, written from PROTOCOL.md §5.3, in both state-delivery
// modes.

#include "derive/protocol_state.hpp"

#include <gtest/gtest.h>

#include <flow/error.hpp>
#include <map>
#include <string>
#include <vector>

namespace {

using flow::derive::StateDelivery;
using flow::derive::detail::EofOutcome;
using flow::derive::detail::Phase;
using flow::derive::detail::ProtocolState;
using flow::derive::detail::RequestKind;
using flow::derive::detail::ResponseKind;

constexpr RequestKind kAllRequests[] = {
    RequestKind::kSpec,  RequestKind::kValidate,    RequestKind::kOpen,  RequestKind::kRead,
    RequestKind::kFlush, RequestKind::kStartCommit, RequestKind::kReset,
};
constexpr ResponseKind kAllResponses[] = {
    ResponseKind::kSpec,      ResponseKind::kValidated, ResponseKind::kOpened,
    ResponseKind::kPublished, ResponseKind::kFlushed,   ResponseKind::kStartedCommit,
};
constexpr Phase kAllPhases[] = {
    Phase::kUnopened, Phase::kAwaitUnary, Phase::kAwaitOpened, Phase::kIdle,
    Phase::kReading,  Phase::kFlushing,   Phase::kFlushed,     Phase::kCommitting,
};

std::string phase_name(Phase phase) {
  switch (phase) {
    case Phase::kUnopened:
      return "Unopened";
    case Phase::kAwaitUnary:
      return "AwaitUnary";
    case Phase::kAwaitOpened:
      return "AwaitOpened";
    case Phase::kIdle:
      return "Idle";
    case Phase::kReading:
      return "Reading";
    case Phase::kFlushing:
      return "Flushing";
    case Phase::kFlushed:
      return "Flushed";
    case Phase::kCommitting:
      return "Committing";
  }
  return "?";
}

/// Drives a fresh state machine into `phase` through a legal history (lines 1..n).
ProtocolState reach(Phase phase, StateDelivery delivery, std::size_t& line) {
  ProtocolState state(delivery);
  line = 0;
  auto request = [&](RequestKind kind) { state.on_request(kind, ++line); };
  switch (phase) {
    case Phase::kUnopened:
      break;
    case Phase::kAwaitUnary:
      request(RequestKind::kSpec);
      break;
    case Phase::kAwaitOpened:
      request(RequestKind::kOpen);
      break;
    case Phase::kIdle:
    case Phase::kReading:
    case Phase::kFlushing:
    case Phase::kFlushed:
    case Phase::kCommitting:
      request(RequestKind::kOpen);
      state.on_response(ResponseKind::kOpened, line);
      if (phase == Phase::kIdle) {
        break;
      }
      request(RequestKind::kRead);
      if (phase == Phase::kReading) {
        break;
      }
      request(RequestKind::kFlush);
      state.on_response(ResponseKind::kPublished, line);
      if (phase == Phase::kFlushing) {
        break;
      }
      state.on_response(ResponseKind::kFlushed, line);
      if (phase == Phase::kFlushed) {
        break;
      }
      request(RequestKind::kStartCommit);
      break;
  }
  EXPECT_EQ(state.phase(), phase);
  return state;
}

/// What a request does in a phase: rejected, accepted, or accepted as the sign of a runtime
/// that skips startCommit.
enum class Verdict { kReject, kAccept, kAcceptSkippedStartCommit };

Verdict expected_request(Phase phase, RequestKind kind) {
  switch (phase) {
    case Phase::kUnopened:
      return kind == RequestKind::kSpec || kind == RequestKind::kValidate ||
                     kind == RequestKind::kOpen
                 ? Verdict::kAccept
                 : Verdict::kReject;
    case Phase::kIdle:
      return kind == RequestKind::kRead || kind == RequestKind::kFlush ||
                     kind == RequestKind::kReset
                 ? Verdict::kAccept
                 : Verdict::kReject;
    case Phase::kReading:
      return kind == RequestKind::kRead || kind == RequestKind::kFlush ? Verdict::kAccept
                                                                       : Verdict::kReject;
    case Phase::kFlushed:
      if (kind == RequestKind::kStartCommit) {
        return Verdict::kAccept;
      }
      return kind == RequestKind::kRead || kind == RequestKind::kFlush ||
                     kind == RequestKind::kReset
                 ? Verdict::kAcceptSkippedStartCommit
                 : Verdict::kReject;
    case Phase::kAwaitUnary:
    case Phase::kAwaitOpened:
    case Phase::kFlushing:
    case Phase::kCommitting:
      return Verdict::kReject;  // a response is owed first
  }
  return Verdict::kReject;
}

bool expected_response(Phase phase, ResponseKind kind) {
  switch (phase) {
    case Phase::kAwaitUnary:
      return kind == ResponseKind::kSpec;  // reach() sent a spec request
    case Phase::kAwaitOpened:
      return kind == ResponseKind::kOpened;
    case Phase::kReading:
      return kind == ResponseKind::kPublished;
    case Phase::kFlushing:
      return kind == ResponseKind::kPublished || kind == ResponseKind::kFlushed;
    case Phase::kCommitting:
      return kind == ResponseKind::kStartedCommit;
    case Phase::kUnopened:
    case Phase::kIdle:
    case Phase::kFlushed:
      return false;
  }
  return false;
}

class DeriveProtocolStateMatrix : public ::testing::TestWithParam<StateDelivery> {};

TEST_P(DeriveProtocolStateMatrix, EveryRequestInEveryPhase) {
  int checked = 0;
  for (const Phase phase : kAllPhases) {
    for (const RequestKind kind : kAllRequests) {
      std::size_t line = 0;
      ProtocolState state = reach(phase, GetParam(), line);
      const std::string where = phase_name(phase) + " + request '" +
                                std::string(flow::derive::detail::request_name(kind)) + "'";
      const Verdict verdict = expected_request(phase, kind);
      if (verdict == Verdict::kReject) {
        try {
          state.on_request(kind, line + 1);
          ADD_FAILURE() << where << ": accepted, expected a ProtocolError";
        } catch (const flow::ProtocolError& e) {
          EXPECT_EQ(e.line(), line + 1) << where;
          const std::string message = e.what();
          EXPECT_NE(message.find("stdin line " + std::to_string(line + 1) + ": "),
                    std::string::npos)
              << where << ": " << message;
          EXPECT_NE(message.find(flow::derive::detail::request_name(kind)), std::string::npos)
              << where << ": the message should name the request: " << message;
        }
      } else {
        ProtocolState::Step step;
        EXPECT_NO_THROW(step = state.on_request(kind, line + 1)) << where;
        EXPECT_EQ(step.skipped_start_commit, verdict == Verdict::kAcceptSkippedStartCommit)
            << where;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 8 * 7);
}

TEST_P(DeriveProtocolStateMatrix, EveryResponseInEveryPhase) {
  for (const Phase phase : kAllPhases) {
    for (const ResponseKind kind : kAllResponses) {
      std::size_t line = 0;
      ProtocolState state = reach(phase, GetParam(), line);
      const std::string where = phase_name(phase) + " + response '" +
                                std::string(flow::derive::detail::response_name(kind)) + "'";
      if (expected_response(phase, kind)) {
        EXPECT_NO_THROW(state.on_response(kind, line)) << where;
      } else {
        try {
          state.on_response(kind, line);
          ADD_FAILURE() << where << ": accepted, expected a ProtocolError";
        } catch (const flow::ProtocolError& e) {
          const std::string message = e.what();
          EXPECT_NE(message.find(std::string("cannot send '") +
                                 std::string(flow::derive::detail::response_name(kind)) + "'"),
                    std::string::npos)
              << where << ": " << message;
        }
      }
    }
  }
}

TEST_P(DeriveProtocolStateMatrix, EofOutcomeInEveryRestingPhase) {
  const std::map<Phase, EofOutcome> expected = {
      {Phase::kUnopened, EofOutcome::kClean},
      {Phase::kIdle, EofOutcome::kClean},
      {Phase::kReading, EofOutcome::kAbandonedTransaction},
      {Phase::kFlushed, GetParam() == StateDelivery::kFlushed ? EofOutcome::kClean
                                                              : EofOutcome::kAbandonedTransaction},
  };
  for (const auto& [phase, outcome] : expected) {
    std::size_t line = 0;
    const ProtocolState state = reach(phase, GetParam(), line);
    EXPECT_EQ(state.on_eof(), outcome) << phase_name(phase);
  }
}

INSTANTIATE_TEST_SUITE_P(BothDeliveries,
                         DeriveProtocolStateMatrix,
                         ::testing::Values(StateDelivery::kStartedCommit, StateDelivery::kFlushed),
                         [](const auto& param_info) {
                           return param_info.param == StateDelivery::kFlushed
                                      ? std::string("Flushed")
                                      : "StartedCommit";
                         });

// ---- Whole sequences ---------------------------------------------------------------------

struct Event {
  bool request;
  RequestKind request_kind = RequestKind::kSpec;
  ResponseKind response_kind = ResponseKind::kSpec;
};
Event req(RequestKind kind) {
  return {true, kind, ResponseKind::kSpec};
}
Event res(ResponseKind kind) {
  return {false, RequestKind::kSpec, kind};
}

/// Plays `events`; returns the index of the event that threw, or -1.
int play(const std::vector<Event>& events, StateDelivery delivery, std::string* error = nullptr) {
  ProtocolState state(delivery);
  std::size_t line = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    try {
      if (events[i].request) {
        state.on_request(events[i].request_kind, ++line);
      } else {
        state.on_response(events[i].response_kind, line);
      }
    } catch (const flow::ProtocolError& e) {
      if (error != nullptr) {
        *error = e.what();
      }
      return static_cast<int>(i);
    }
  }
  return -1;
}

using R = RequestKind;
using P = ResponseKind;

TEST(DeriveProtocolState, LegalV1SessionWithUnaryProbesAndThreeTransactions) {
  const std::vector<Event> events = {
      req(R::kSpec),
      res(P::kSpec),
      req(R::kValidate),
      res(P::kValidated),
      req(R::kSpec),
      res(P::kSpec),
      req(R::kOpen),
      res(P::kOpened),
      // transaction 1: published while reading and while flushing
      req(R::kRead),
      res(P::kPublished),
      req(R::kRead),
      req(R::kFlush),
      res(P::kPublished),
      res(P::kFlushed),
      req(R::kStartCommit),
      res(P::kStartedCommit),
      // transaction 2: an empty one (flush without reads)
      req(R::kFlush),
      res(P::kFlushed),
      req(R::kStartCommit),
      res(P::kStartedCommit),
      // reset between transactions (catalog tests), then transaction 3
      req(R::kReset),
      req(R::kRead),
      req(R::kFlush),
      res(P::kFlushed),
      req(R::kStartCommit),
      res(P::kStartedCommit),
  };
  EXPECT_EQ(play(events, StateDelivery::kStartedCommit), -1);
  EXPECT_EQ(play(events, StateDelivery::kFlushed), -1);
}

TEST(DeriveProtocolState, LegalV2SessionWithoutStartCommitAndRepeatedFlush) {
  const std::vector<Event> events = {
      req(R::kOpen),  res(P::kOpened),  req(R::kRead),    req(R::kFlush), res(P::kFlushed),
      req(R::kFlush), res(P::kFlushed),  // another Flush round (some shard said `more`)
      req(R::kRead),  req(R::kFlush),   res(P::kFlushed), req(R::kReset), req(R::kRead),
  };
  EXPECT_EQ(play(events, StateDelivery::kFlushed), -1);
}

TEST(DeriveProtocolState, IllegalSequencesNameTheProblem) {
  struct Case {
    std::vector<Event> events;
    int failing_index;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{req(R::kRead)}, 0, "stdin line 1: 'read' before 'open'"},
      {{req(R::kFlush)}, 0, "stdin line 1: 'flush' before 'open'"},
      {{req(R::kOpen), res(P::kOpened), req(R::kRead), req(R::kStartCommit)},
       3,
       "stdin line 3: 'startCommit' before 'flush'"},
      {{req(R::kOpen), res(P::kOpened), req(R::kStartCommit)},
       2,
       "stdin line 2: 'startCommit' before 'flush'"},
      {{req(R::kOpen), res(P::kOpened), req(R::kOpen)}, 2, "a second 'open'"},
      {{req(R::kOpen), res(P::kOpened), req(R::kSpec)}, 2, "'spec' after 'open'"},
      {{req(R::kOpen), res(P::kOpened), req(R::kRead), res(P::kFlushed)},
       3,
       "cannot send 'flushed': 'flushed' only answers 'flush'"},
      {{req(R::kOpen), res(P::kOpened), req(R::kRead), req(R::kFlush), res(P::kFlushed),
        res(P::kPublished)},
       5,
       "cannot send 'published': the transaction already sent 'flushed'"},
      {{req(R::kOpen), res(P::kOpened), res(P::kPublished)},
       2,
       "cannot send 'published': no transaction is open"},
      {{req(R::kOpen), res(P::kOpened), req(R::kRead), req(R::kReset)},
       3,
       "'reset' inside a transaction"},
      {{req(R::kOpen), res(P::kOpened), req(R::kRead), req(R::kFlush), res(P::kFlushed),
        req(R::kStartCommit), req(R::kStartCommit)},
       6,
       "'startCommit' while 'startCommit' awaits 'startedCommit'"},
      {{req(R::kOpen), req(R::kRead)}, 1, "'read' before 'opened' was sent"},
      {{req(R::kSpec), res(P::kValidated)}, 1, "cannot send 'validated'"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_EQ(play(c.events, StateDelivery::kStartedCommit, &error), c.failing_index) << c.message;
    EXPECT_NE(error.find(c.message), std::string::npos) << "got: " << error;
  }
}

TEST(DeriveProtocolState, RequestKindAcceptsJsonAndProtoNames) {
  EXPECT_EQ(flow::derive::detail::request_kind("startCommit"), RequestKind::kStartCommit);
  EXPECT_EQ(flow::derive::detail::request_kind("start_commit"), RequestKind::kStartCommit);
  EXPECT_EQ(flow::derive::detail::request_kind("read"), RequestKind::kRead);
  EXPECT_EQ(flow::derive::detail::request_kind("bogus"), std::nullopt);
  EXPECT_EQ(flow::derive::detail::request_kind("published"), std::nullopt);
}

}  // namespace
