// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/materialize.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

/// Base classes for the three ways a materialization can make its writes survive a crash
/// (PROTOCOL.md §4.3, "Authoritativeness patterns"). Each fixes the hooks the strategy
/// needs (as `final`) and asks the author for the few destination operations it relies on.
namespace flow::materialize {

/// Strategy 1 — destination-authoritative (exactly once, for transactional destinations).
/// The runtime checkpoint is written in the same destination transaction as the data; open()
/// hands the stored checkpoint back, so the runtime resumes exactly after the last commit
/// the destination holds, whatever its own recovery log says.
///
/// Example:
///   class Sql final : public flow::materialize::DestinationAuthoritative {
///     void open_destination(const Open& o) override { connect(o); begin(); }
///     std::string stored_checkpoint(const Open&) override { return select_checkpoint(); }
///     void commit(std::string_view checkpoint) override {
///       upsert_checkpoint(checkpoint); sql("COMMIT"); sql("BEGIN");
///     }
///     ...  // spec, validate, load, store (inside the open transaction)
///   };
class DestinationAuthoritative : public Connector {
 protected:
  /// Connects and starts the first destination transaction (stores go into it).
  virtual void open_destination(const Open& request) = 0;
  /// The checkpoint JSON the destination holds for this materialization and key range, or ""
  /// when it holds none yet.
  virtual std::string stored_checkpoint(const Open& request) = 0;
  /// Atomically commits the transaction's stores together with `runtime_checkpoint` (JSON
  /// text, to be returned by stored_checkpoint() after a restart), then starts the next
  /// transaction.
  virtual void commit(std::string_view runtime_checkpoint) = 0;

 private:
  Opened open(const Open& request) final;
  std::optional<ConnectorState> start_commit(const StartCommit& request) final;
};

/// Strategy 2 — recovery-log-authoritative (exactly once, for idempotent writes).
/// Stores are staged; start_commit() records the staged work in the connector state, which
/// commits atomically with the runtime checkpoint; once the commit is acknowledged the work
/// is applied (idempotently) and the state cleared. After a crash, open() finds work that was
/// committed but perhaps not applied in `open.state` and applies it at the first acknowledge.
/// The state key used is "pending".
///
/// Example:
///   class Files final : public flow::materialize::RecoveryLogAuthoritative {
///     void store(const Store& s) override { append_to_staging_file(s); }
///     nlohmann::json stage_transaction() override { return {{"file", staging_path()}}; }
///     void apply_staged(const nlohmann::json& w) override { rename(w["file"], final_path()); }
///     ...
///   };
class RecoveryLogAuthoritative : public Connector {
 protected:
  /// Called by open() before anything else: connect to the destination.
  virtual void open_destination(const Open& request);
  /// Describes this transaction's staged work as JSON (null when there is none); it becomes
  /// startedCommit.state {"pending": …}.
  virtual nlohmann::json stage_transaction() = 0;
  /// Applies staged work. Must be idempotent: after a crash it can run twice.
  virtual void apply_staged(const nlohmann::json& work) = 0;

 private:
  Opened open(const Open& request) final;
  std::optional<ConnectorState> start_commit(const StartCommit& request) final;
  std::optional<ConnectorState> acknowledge(const Acknowledge& request) final;

  nlohmann::json pending_;  // committed (or recovered) work not yet applied
};

/// Strategy 3 — at-least-once. Checkpoints are ignored: commit() makes the transaction's
/// stores durable, and after a crash the runtime replays everything since its own last
/// checkpoint, so some documents may be written twice (use idempotent upserts to absorb it).
///
/// Example:
///   class Webhook final : public flow::materialize::AtLeastOnce {
///     void store(const Store& s) override { batch_.push_back(std::string(s.doc)); }
///     void commit() override { post(batch_); batch_.clear(); }
///     ...
///   };
class AtLeastOnce : public Connector {
 protected:
  /// Makes every store of the transaction durable at the destination.
  virtual void commit() = 0;

 private:
  std::optional<ConnectorState> start_commit(const StartCommit& request) final;
};

}  // namespace flow::materialize
