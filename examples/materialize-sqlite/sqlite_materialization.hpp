// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <flow/materialize/strategies.hpp>
#include <memory>
#include <string>
#include <vector>

#include "sqlite_db.hpp"

/// A Flow materialization into a SQLite file, exactly once: each Flow transaction is one
/// SQLite transaction that also writes the runtime checkpoint to `flow_checkpoints`, and
/// open() hands that checkpoint back (the destination-authoritative strategy).
///
/// Endpoint config: {"path": "/data/flow.db"}. Resource config: {"table": "orders",
/// "delta_updates": false}. Standard bindings keep one row per key (upserts and deletes)
/// and must select the root document (loads read it back); delta-updates bindings append
/// one row per store.
///
/// Example:
///   int main(int argc, char** argv) { return flow::materialize::run<SqliteMaterialization>(argc,
///   argv); }
class SqliteMaterialization final : public flow::materialize::DestinationAuthoritative {
 public:
  flow::materialize::Spec spec(const flow::materialize::SpecRequest& request) override;
  std::vector<flow::materialize::ValidatedBinding> validate(
      const flow::materialize::Validate& request) override;
  flow::materialize::Applied apply(const flow::materialize::Apply& request) override;
  void load(const flow::materialize::Load& request, flow::materialize::Loaded& out) override;
  void store(const flow::materialize::Store& request) override;

 private:
  /// Prepared statements of one binding.
  struct Table {
    std::string name;
    bool delta_updates = false;
    bool has_document = false;
    std::size_t keys = 0;
    sqlite::Statement load;    // SELECT document WHERE keys (standard bindings)
    sqlite::Statement upsert;  // INSERT OR REPLACE (standard) / INSERT (delta)
    sqlite::Statement remove;  // DELETE WHERE keys (standard)
  };

  void open_destination(const flow::materialize::Open& request) override;
  std::string stored_checkpoint(const flow::materialize::Open& request) override;
  void commit(std::string_view runtime_checkpoint) override;

  std::unique_ptr<sqlite::Database> db_;
  std::vector<Table> tables_;
  sqlite::Statement save_checkpoint_;
  std::string materialization_;
  flow::RangeSpec range_;
  std::string scratch_;
};
