// SPDX-License-Identifier: Apache-2.0
// The three checkpoint strategies, driven through serve() with real request transcripts.

#include <gtest/gtest.h>

#include <flow/error.hpp>
#include <flow/materialize/strategies.hpp>
#include <map>
#include <string>
#include <vector>

#include "transcript_util.hpp"

namespace {

namespace m = flow::materialize;
using m::testing::lines;
using m::testing::serve_transcript;

const std::string kOpen =
    R"({"open":{"materialization":{"name":"acmeCo/s","bindings":[{"resourceConfig":{},)"
    R"("collection":{"name":"c","key":["/id"]},"fieldSelection":{"keys":["id"],"document":"d"}}]}}})";

std::string open_with_state(const std::string& state) {
  return kOpen.substr(0, kOpen.size() - 2) + R"(,"state":)" + state + "}}";
}

std::string transaction(int id, const std::string& checkpoint) {
  const std::string key = std::to_string(id);
  return lines({R"({"load":{"key":[)" + key + "]}}", R"({"flush":{}})",
                R"({"store":{"key":[)" + key + R"(],"doc":{"id":)" + key + "}}}",
                R"({"startCommit":{"runtimeCheckpoint":)" + checkpoint + "}}"});
}

const auto no_validate = [](const m::Validate&) { return std::vector<m::ValidatedBinding>{}; };

// ---- Destination-authoritative -------------------------------------------------------------

/// A pretend transactional destination: committed rows and checkpoint, plus the open
/// transaction's uncommitted rows (lost when the process "dies").
struct TransactionalStore {
  std::map<std::string, std::string> rows;
  std::string checkpoint;
};

class Authoritative final : public m::DestinationAuthoritative {
 public:
  explicit Authoritative(TransactionalStore& store) : store_(store) {}
  m::Spec spec(const m::SpecRequest&) override { return {}; }
  std::vector<m::ValidatedBinding> validate(const m::Validate& v) override {
    return no_validate(v);
  }
  void load(const m::Load& l, m::Loaded& out) override {
    if (auto it = store_.rows.find(std::string(l.key)); it != store_.rows.end()) {
      out.loaded(l.binding, it->second);
    }
  }
  void store(const m::Store& s) override { uncommitted_[std::string(s.key)] = std::string(s.doc); }

 private:
  void open_destination(const m::Open&) override { uncommitted_.clear(); }
  std::string stored_checkpoint(const m::Open&) override { return store_.checkpoint; }
  void commit(std::string_view checkpoint) override {
    for (auto& [k, v] : uncommitted_) {
      store_.rows[k] = v;
    }
    uncommitted_.clear();
    store_.checkpoint = checkpoint;
  }

  TransactionalStore& store_;
  std::map<std::string, std::string> uncommitted_;
};

TEST(DestinationAuthoritative, CheckpointCommitsWithDataAndComesBackAtOpen) {
  TransactionalStore destination;
  {
    Authoritative c(destination);
    EXPECT_EQ(serve_transcript(c, lines({kOpen, R"({"acknowledge":{}})"}) +
                                      transaction(1, R"({"sources":{"j":{"readThrough":"5"}}})") +
                                      lines({R"({"acknowledge":{}})"})),
              lines({R"({"opened":{}})", R"({"acknowledged":{}})", R"({"flushed":{}})",
                     R"({"startedCommit":{}})", R"({"acknowledged":{}})"}));
  }
  EXPECT_EQ(destination.rows.at("[1]"), R"({"id":1})");
  EXPECT_EQ(destination.checkpoint, R"({"sources":{"j":{"readThrough":"5"}}})");

  // The next process dies after its stores, before startCommit: nothing of it is committed,
  // and the new session resumes from the destination's checkpoint.
  {
    Authoritative c(destination);
    const std::string partial = lines({kOpen, R"({"acknowledge":{}})", R"({"flush":{}})",
                                       R"({"store":{"key":[2],"doc":{"id":2}}})"});
    EXPECT_THROW(serve_transcript(c, partial), flow::ProtocolError);  // EOF mid-transaction
  }
  EXPECT_EQ(destination.rows.count("[2]"), 0u);
  {
    Authoritative c(destination);
    EXPECT_EQ(serve_transcript(c, lines({kOpen})),
              lines({R"({"opened":{"runtimeCheckpoint":{"sources":{"j":{"readThrough":"5"}}}}})"}));
  }
}

// ---- Recovery-log-authoritative ------------------------------------------------------------

class Staged final : public m::RecoveryLogAuthoritative {
 public:
  explicit Staged(std::map<std::string, std::string>& rows) : rows_(rows) {}
  m::Spec spec(const m::SpecRequest&) override { return {}; }
  std::vector<m::ValidatedBinding> validate(const m::Validate& v) override {
    return no_validate(v);
  }
  void load(const m::Load&, m::Loaded&) override {}
  void store(const m::Store& s) override { staged_[std::string(s.key)] = std::string(s.doc); }
  int applications = 0;

 private:
  nlohmann::json stage_transaction() override {
    nlohmann::json work = nlohmann::json::object();
    for (auto& [k, v] : staged_) {
      work[k] = v;
    }
    staged_.clear();
    return work;
  }
  void apply_staged(const nlohmann::json& work) override {
    ++applications;
    for (auto& [k, v] : work.items()) {
      rows_[k] = v.get<std::string>();
    }
  }

  std::map<std::string, std::string>& rows_;
  std::map<std::string, std::string> staged_;
};

TEST(RecoveryLogAuthoritative, StagedWorkRidesTheCheckpointAndAppliesAtAcknowledge) {
  std::map<std::string, std::string> rows;
  Staged c(rows);
  const std::string out =
      serve_transcript(c, lines({kOpen, R"({"acknowledge":{}})"}) + transaction(7, "{}"));
  EXPECT_EQ(
      out,
      lines(
          {R"({"opened":{}})", R"({"acknowledged":{}})", R"({"flushed":{}})",
           R"({"startedCommit":{"state":{"updated":{"pending":{"[7]":"{\"id\":7}"}},"mergePatch":true}}})"}));
  EXPECT_TRUE(rows.empty()) << "nothing is applied before the commit is acknowledged";
}

TEST(RecoveryLogAuthoritative, RecoveredWorkIsAppliedAtTheFirstAcknowledge) {
  // The runtime committed the state of the previous process, which died before applying it.
  std::map<std::string, std::string> rows;
  Staged c(rows);
  const std::string out = serve_transcript(
      c, lines({open_with_state(R"({"pending":{"[7]":"{\"id\":7}"}})"), R"({"acknowledge":{}})"}));
  EXPECT_EQ(
      out, lines({R"({"opened":{}})",
                  R"({"acknowledged":{"state":{"updated":{"pending":null},"mergePatch":true}}})"}));
  EXPECT_EQ(rows.at("[7]"), R"({"id":7})");
  EXPECT_EQ(c.applications, 1);
}

// ---- At-least-once --------------------------------------------------------------------------

class Batched final : public m::AtLeastOnce {
 public:
  m::Spec spec(const m::SpecRequest&) override { return {}; }
  std::vector<m::ValidatedBinding> validate(const m::Validate& v) override {
    return no_validate(v);
  }
  void load(const m::Load&, m::Loaded&) override {}
  void store(const m::Store& s) override { batch.emplace_back(s.doc); }
  std::vector<std::string> batch, committed;

 private:
  void commit() override {
    committed.insert(committed.end(), batch.begin(), batch.end());
    batch.clear();
  }
};

TEST(AtLeastOnce, CommitsAtStartCommitAndIgnoresCheckpoints) {
  Batched c;
  EXPECT_EQ(serve_transcript(
                c, lines({kOpen, R"({"acknowledge":{}})"}) + transaction(3, R"({"sources":{}})")),
            lines({R"({"opened":{}})", R"({"acknowledged":{}})", R"({"flushed":{}})",
                   R"({"startedCommit":{}})"}));
  EXPECT_EQ(c.committed, std::vector<std::string>{R"({"id":3})"});
}

}  // namespace
