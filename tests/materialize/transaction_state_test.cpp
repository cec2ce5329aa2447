// SPDX-License-Identifier: Apache-2.0
// Every reachable state of the materialize session state machine, against every possible
// next event: each is accepted exactly when PROTOCOL.md §4.3/§4.5 allows it.

#include "materialize/transaction_state.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <flow/error.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using flow::materialize::detail::Phase;
using flow::materialize::detail::RequestKind;
using flow::materialize::detail::ResponseKind;
using flow::materialize::detail::TransactionStateMachine;

// Events are written as "> request", "< response" or "EOF".
const std::vector<std::pair<std::string, RequestKind>> kRequests = {
    {"> spec", RequestKind::spec},
    {"> validate", RequestKind::validate},
    {"> apply", RequestKind::apply},
    {"> open", RequestKind::open},
    {"> acknowledge", RequestKind::acknowledge},
    {"> load", RequestKind::load},
    {"> flush", RequestKind::flush},
    {"> store", RequestKind::store},
    {"> startCommit", RequestKind::start_commit},
};
const std::vector<std::pair<std::string, ResponseKind>> kResponses = {
    {"< spec", ResponseKind::spec},
    {"< validated", ResponseKind::validated},
    {"< applied", ResponseKind::applied},
    {"< opened", ResponseKind::opened},
    {"< acknowledged", ResponseKind::acknowledged},
    {"< loaded", ResponseKind::loaded},
    {"< flushed", ResponseKind::flushed},
    {"< startedCommit", ResponseKind::started_commit},
};

std::vector<std::string> all_events() {
  std::vector<std::string> events;
  for (const auto& [name, kind] : kRequests) {
    events.push_back(name);
  }
  for (const auto& [name, kind] : kResponses) {
    events.push_back(name);
  }
  events.push_back("EOF");
  return events;
}

// Applies one event; the line number is the count of requests so far.
void apply(TransactionStateMachine& sm, const std::string& event, std::size_t& line) {
  for (const auto& [name, kind] : kRequests) {
    if (name == event) {
      sm.on_request(kind, ++line);
      return;
    }
  }
  for (const auto& [name, kind] : kResponses) {
    if (name == event) {
      sm.on_response(kind);
      return;
    }
  }
  ASSERT_EQ(event, "EOF");
  sm.on_eof(line);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> events;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto begin = item.find_first_not_of(' ');
    events.push_back(item.substr(begin));
  }
  return events;
}

struct Case {
  std::string prefix;             // comma-separated events reaching the state
  std::set<std::string> allowed;  // every event legal next
};

// How ctest and gtest name a case: its prefix, not its bytes.
void PrintTo(const Case& c, std::ostream* out) {
  *out << "after [" << c.prefix << "]";
}

class EveryOrdering : public testing::TestWithParam<Case> {};

TEST_P(EveryOrdering, AcceptsExactlyTheLegalNextEvents) {
  const Case& c = GetParam();
  TransactionStateMachine base;
  std::size_t base_line = 0;
  if (!c.prefix.empty()) {
    for (const auto& event : split(c.prefix)) {
      ASSERT_NO_THROW(apply(base, event, base_line)) << "prefix event " << event;
    }
  }
  for (const auto& event : all_events()) {
    TransactionStateMachine sm = base;
    std::size_t line = base_line;
    const bool legal = c.allowed.count(event) != 0;
    if (legal) {
      EXPECT_NO_THROW(apply(sm, event, line)) << "after [" << c.prefix << "]: " << event;
    } else {
      try {
        apply(sm, event, line);
        ADD_FAILURE() << "after [" << c.prefix << "]: " << event << " was accepted";
      } catch (const flow::ProtocolError& e) {
        // Every rejection names a line when one is known.
        if (line > 0) {
          EXPECT_NE(std::string(e.what()).find("stdin line "), std::string::npos) << e.what();
        }
      }
    }
  }
}

const std::string kOpen = "> open, < opened";
const std::string kAck = kOpen + ", > acknowledge";

INSTANTIATE_TEST_SUITE_P(
    MaterializeSession,
    EveryOrdering,
    testing::Values(
        // Unary requests before open, answered one at a time.
        Case{"", {"> spec", "> validate", "> apply", "> open", "EOF"}},
        Case{"> spec", {"< spec", "EOF"}},
        Case{"> validate", {"< validated", "EOF"}},
        Case{"> apply", {"< applied", "EOF"}},
        Case{"> spec, < spec", {"> spec", "> validate", "> apply", "> open", "EOF"}},
        // Open.
        Case{"> open", {"< opened", "EOF"}},
        Case{kOpen, {"> acknowledge", "EOF"}},
        // Acknowledge: loads may arrive before acknowledged; EOF only before any load.
        Case{kAck, {"> load", "< acknowledged", "EOF"}},
        Case{kAck + ", > load", {"> load", "< acknowledged", "< loaded"}},
        Case{kAck + ", < acknowledged", {"> load", "> flush", "EOF"}},
        Case{kAck + ", > load, < acknowledged", {"> load", "> flush", "< loaded"}},
        Case{kAck + ", > load, < loaded, < acknowledged", {"> load", "> flush", "< loaded"}},
        // Flush: loaded then flushed.
        Case{kAck + ", > load, < acknowledged, > flush", {"< loaded", "< flushed"}},
        Case{kAck + ", < acknowledged, > flush", {"< flushed"}},
        // Stores: nothing may be sent.
        Case{kAck + ", < acknowledged, > flush, < flushed", {"> store", "> startCommit"}},
        Case{kAck + ", < acknowledged, > flush, < flushed, > store", {"> store", "> startCommit"}},
        // Commit.
        Case{kAck + ", < acknowledged, > flush, < flushed, > store, > startCommit",
             {"< startedCommit"}},
        Case{kAck + ", < acknowledged, > flush, < flushed, > startCommit, < startedCommit",
             {"> acknowledge", "EOF"}},
        // The second transaction behaves like the first.
        Case{kAck + ", < acknowledged, > flush, < flushed, > startCommit, < startedCommit, "
                    "> acknowledge, > load",
             {"> load", "< acknowledged", "< loaded"}}),
    // Readable test names: the state's index and the last event of its prefix.
    [](const testing::TestParamInfo<Case>& param_info) {
      std::string last =
          param_info.param.prefix.empty() ? "start" : split(param_info.param.prefix).back();
      std::string name = "State" + std::to_string(param_info.index) + "_after_";
      for (const char c : last) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
          name.push_back(c);
        } else if (c == '<') {
          name += "sent_";
        } else if (c == '>') {
          name += "got_";
        }
      }
      return name;
    });

TEST(TransactionState, MessagesNameTheRuleAndLine) {
  TransactionStateMachine sm;
  sm.on_request(RequestKind::open, 1);
  sm.on_response(ResponseKind::opened);
  sm.on_request(RequestKind::acknowledge, 2);
  try {
    sm.on_request(RequestKind::flush, 3);
    FAIL();
  } catch (const flow::ProtocolError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_STREQ(e.what(),
                 "stdin line 3: unexpected 'flush' request in the load phase: flush before "
                 "acknowledged was sent");
  }
  sm.on_response(ResponseKind::acknowledged);
  EXPECT_THROW(sm.on_response(ResponseKind::acknowledged), flow::ProtocolError);
  sm.on_request(RequestKind::load, 4);
  try {
    sm.on_eof(4);
    FAIL();
  } catch (const flow::ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("middle of a transaction (after 1 load(s)"),
              std::string::npos);
  }
  sm.on_request(RequestKind::flush, 5);
  sm.on_response(ResponseKind::flushed);
  sm.on_request(RequestKind::store, 6);
  try {
    sm.on_response(ResponseKind::loaded);
    FAIL();
  } catch (const flow::ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "stdin line 6: connector may not send 'loaded' in the store phase: nothing may "
                 "be sent while stores arrive");
  }
  EXPECT_EQ(sm.phase(), Phase::storing);
  sm.on_request(RequestKind::start_commit, 7);
  sm.on_response(ResponseKind::started_commit);
  EXPECT_EQ(sm.transactions(), 1u);
}

}  // namespace
