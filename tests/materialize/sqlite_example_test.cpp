// SPDX-License-Identifier: Apache-2.0
// The materialize-sqlite example as a real child process: apply is idempotent and alters
// tables; a process SIGKILLed between its stores and the commit loses nothing and doubles
// nothing once the runtime replays the transaction from the checkpoint the database holds.

#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>
#include <unistd.h>

#include <csignal>
#include <flow/process/child_process.hpp>
#include <flow/process/temp_dir.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;

/// Plays the runtime's part against one connector process.
class Runtime {
 public:
  Runtime()
      : child_(flow::process::ChildProcess::spawn(
            {.argv = {FLOW_SQLITE_BIN}, .env = {{"LOG_LEVEL", "warn"}}, .pipe_stderr = false})) {}

  void send(const std::string& line) {
    const std::string framed = line + "\n";
    ASSERT_EQ(write(child_.stdin_fd(), framed.data(), framed.size()),
              static_cast<ssize_t>(framed.size()));
  }
  void send(const json& request) { send(request.dump()); }

  /// The next response line, parsed; fails the test after 20 s without one.
  json receive() {
    std::size_t newline = 0;
    while ((newline = buffer_.find('\n')) == std::string::npos) {
      pollfd fd{.fd = child_.stdout_fd(), .events = POLLIN, .revents = 0};
      if (poll(&fd, 1, 20000) <= 0) {
        ADD_FAILURE() << "no response within 20 s";
        return nullptr;
      }
      char chunk[4096];
      const ssize_t n = read(child_.stdout_fd(), chunk, sizeof chunk);
      if (n <= 0) {
        ADD_FAILURE() << "connector closed stdout";
        return nullptr;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    json parsed = json::parse(buffer_.substr(0, newline));
    buffer_.erase(0, newline + 1);
    return parsed;
  }

  flow::process::ChildProcess& child() { return child_; }

 private:
  flow::process::ChildProcess child_;
  std::string buffer_;
};

json projection(const std::string& field, const std::string& type) {
  return {{"ptr", "/" + field}, {"field", field}, {"inference", {{"types", {type}}}}};
}

json materialization(const std::string& db, const std::vector<std::string>& order_values) {
  json order_projections = {projection("id", "integer"), projection("amount", "number"),
                            projection("note", "string")};
  return {{"name", "acmeCo/sqlite"},
          {"connectorType", "LOCAL"},
          {"config", {{"path", db}}},
          {"bindings",
           {{{"resourceConfig", {{"table", "orders"}}},
             {"resourcePath", {"orders"}},
             {"collection",
              {{"name", "acmeCo/orders"}, {"key", {"/id"}}, {"projections", order_projections}}},
             {"fieldSelection",
              {{"keys", {"id"}}, {"values", order_values}, {"document", "flow_document"}}}},
            {{"resourceConfig", {{"table", "events"}, {"delta_updates", true}}},
             {"resourcePath", {"events"}},
             {"deltaUpdates", true},
             {"collection",
              {{"name", "acmeCo/events"},
               {"key", {"/id"}},
               {"projections", {projection("id", "string"), projection("kind", "string")}}}},
             {"fieldSelection", {{"keys", {"id"}}, {"values", {"kind"}}}}}}}};
}

/// Rows of `sql` as one string per row ("a|b|c"), from a separate connection.
std::vector<std::string> query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row += (i == 0 ? "" : "|") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

json apply_once(const json& spec) {
  Runtime runtime;
  runtime.send(json{{"spec", {{"connectorType", "LOCAL"}, {"config", json::object()}}}});
  EXPECT_EQ(runtime.receive()["spec"]["protocol"], 3032023);
  runtime.send(json{{"apply", {{"materialization", spec}, {"version", "v1"}}}});
  json applied = runtime.receive();
  runtime.child().close_stdin();
  EXPECT_TRUE(runtime.child().wait().success());
  return applied;
}

TEST(SqliteExample, ApplyCreatesThenIsIdempotentThenAltersTables) {
  flow::process::TempDir dir("sqlite-apply");
  const std::string db = dir.path() + "/flow.db";
  EXPECT_EQ(apply_once(materialization(db, {"amount"}))["applied"]["actionDescription"],
            R"(created table "orders"; created table "events")");
  EXPECT_EQ(apply_once(materialization(db, {"amount"})), json({{"applied", json::object()}}));
  EXPECT_EQ(apply_once(materialization(db, {"amount", "note"}))["applied"]["actionDescription"],
            R"(added column "orders"."note")");
  EXPECT_EQ(
      query(db, "SELECT name, type FROM pragma_table_info('orders')"),
      (std::vector<std::string>{"id|INTEGER", "amount|REAL", "flow_document|TEXT", "note|TEXT"}));
}

json store(int binding,
           const json& key,
           const json& values,
           const json& doc,
           bool exists,
           bool is_delete = false) {
  json body = {{"binding", binding}, {"key", key}, {"values", values}};
  if (!doc.is_null()) {
    body["doc"] = doc;
  }
  if (exists) {
    body["exists"] = true;
  }
  if (is_delete) {
    body["delete"] = true;
  }
  return {{"store", body}};
}

json checkpoint(int offset) {
  return {{"sources", {{"acmeCo/orders/pivot=00", {{"readThrough", std::to_string(offset)}}}}}};
}

// Transaction 2 of the scenario: update order 1, delete order 2, insert order 4, append an
// event. Returns after sending the stores (not the startCommit).
void send_transaction_two_until_stores(Runtime& runtime) {
  runtime.send(json{{"acknowledge", json::object()}});
  runtime.send(json{{"load", {{"key", {1}}}}});
  runtime.send(json{{"load", {{"key", {2}}}}});
  runtime.send(json{{"load", {{"key", {4}}}}});
  EXPECT_EQ(runtime.receive(), json({{"acknowledged", json::object()}}));
  runtime.send(json{{"flush", json::object()}});
  // Orders 1 and 2 exist; 4 does not.
  EXPECT_EQ(runtime.receive(), json({{"loaded", {{"doc", {{"id", 1}, {"amount", 10}}}}}}));
  EXPECT_EQ(runtime.receive(), json({{"loaded", {{"doc", {{"id", 2}, {"amount", 20}}}}}}));
  EXPECT_EQ(runtime.receive(), json({{"flushed", json::object()}}));
  runtime.send(store(0, {1}, {11}, {{"id", 1}, {"amount", 11}}, true));
  runtime.send(store(0, {2}, {20}, {{"id", 2}, {"amount", 20}}, true, true));
  runtime.send(store(0, {4}, {40}, {{"id", 4}, {"amount", 40}}, false));
  runtime.send(store(1, {"e2"}, {"view"}, nullptr, false));
}

TEST(SqliteExample, KilledBetweenStoreAndCommitLosesNothingAndDoublesNothing) {
  flow::process::TempDir dir("sqlite-crash");
  const std::string db = dir.path() + "/flow.db";
  const json spec = materialization(db, {"amount"});
  apply_once(spec);
  const json open = {{"open",
                      {{"materialization", spec},
                       {"version", "v1"},
                       {"range", {{"keyEnd", 4294967295U}, {"rClockEnd", 4294967295U}}}}}};

  // Session 1: a full transaction (orders 1, 2, 3 and one event), committed.
  {
    Runtime runtime;
    runtime.send(open);
    EXPECT_EQ(runtime.receive(), json({{"opened", json::object()}}));  // nothing stored yet
    runtime.send(json{{"acknowledge", json::object()}});
    EXPECT_EQ(runtime.receive(), json({{"acknowledged", json::object()}}));
    runtime.send(json{{"load", {{"key", {1}}}}});
    runtime.send(json{{"flush", json::object()}});
    EXPECT_EQ(runtime.receive(), json({{"flushed", json::object()}}));
    for (int id = 1; id <= 3; ++id) {
      runtime.send(store(0, {id}, {id * 10}, {{"id", id}, {"amount", id * 10}}, false));
    }
    runtime.send(store(1, {"e1"}, {"click"}, nullptr, false));
    runtime.send(json{{"startCommit", {{"runtimeCheckpoint", checkpoint(100)}}}});
    EXPECT_EQ(runtime.receive(), json({{"startedCommit", json::object()}}));

    // Session 1, transaction 2: killed after its stores, before startCommit.
    send_transaction_two_until_stores(runtime);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it execute the stores
    runtime.child().signal(SIGKILL);
    EXPECT_EQ(runtime.child().wait().signal, SIGKILL);
  }
  // The database holds exactly transaction 1.
  EXPECT_EQ(query(db, "SELECT id, amount FROM orders ORDER BY id"),
            (std::vector<std::string>{"1|10.0", "2|20.0", "3|30.0"}));
  EXPECT_EQ(query(db, "SELECT id, kind FROM events"), std::vector<std::string>{"e1|click"});

  // Session 2: opened returns the checkpoint of transaction 1, so the runtime replays
  // transaction 2 from there.
  {
    Runtime runtime;
    runtime.send(open);
    EXPECT_EQ(runtime.receive(), json({{"opened", {{"runtimeCheckpoint", checkpoint(100)}}}}));
    send_transaction_two_until_stores(runtime);
    runtime.send(json{{"startCommit", {{"runtimeCheckpoint", checkpoint(200)}}}});
    EXPECT_EQ(runtime.receive(), json({{"startedCommit", json::object()}}));
    runtime.send(json{{"acknowledge", json::object()}});
    EXPECT_EQ(runtime.receive(), json({{"acknowledged", json::object()}}));
    runtime.child().close_stdin();  // EOF right after acknowledge: a clean end
    EXPECT_TRUE(runtime.child().wait().success());
  }
  EXPECT_EQ(query(db, "SELECT id, amount FROM orders ORDER BY id"),
            (std::vector<std::string>{"1|11.0", "3|30.0", "4|40.0"}));
  EXPECT_EQ(query(db, "SELECT id, kind FROM events ORDER BY id"),
            (std::vector<std::string>{"e1|click", "e2|view"}));
  EXPECT_EQ(query(db, "SELECT checkpoint FROM flow_checkpoints"),
            std::vector<std::string>{checkpoint(200).dump()});
}

TEST(SqliteExample, MidTransactionEofIsAnErrorAndCommitsNothing) {
  flow::process::TempDir dir("sqlite-eof");
  const std::string db = dir.path() + "/flow.db";
  const json spec = materialization(db, {"amount"});
  apply_once(spec);
  Runtime runtime;
  runtime.send(json{{"open", {{"materialization", spec}}}});
  runtime.receive();
  runtime.send(json{{"acknowledge", json::object()}});
  runtime.receive();
  runtime.send(json{{"flush", json::object()}});
  runtime.receive();
  runtime.send(store(0, {9}, {90}, {{"id", 9}, {"amount", 90}}, false));
  runtime.child().close_stdin();
  EXPECT_EQ(runtime.child().wait().code, 1);
  EXPECT_TRUE(query(db, "SELECT id FROM orders").empty());
}

TEST(SqliteExample, SigtermMidTransactionExitsPromptlyAndCommitsNothing) {
  flow::process::TempDir dir("sqlite-term");
  const std::string db = dir.path() + "/flow.db";
  const json spec = materialization(db, {"amount"});
  apply_once(spec);
  Runtime runtime;
  runtime.send(json{{"open", {{"materialization", spec}}}});
  runtime.receive();
  runtime.send(json{{"acknowledge", json::object()}});
  runtime.receive();
  runtime.send(json{{"flush", json::object()}});
  runtime.receive();
  runtime.send(store(0, {5}, {50}, {{"id", 5}, {"amount", 50}}, false));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // stdin stays open: only the signal can end the blocked read.
  const auto start = std::chrono::steady_clock::now();
  runtime.child().signal(SIGTERM);
  const auto status = runtime.child().wait();
  EXPECT_TRUE(status.success()) << status.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(query(db, "SELECT id FROM orders").empty());
}

}  // namespace
