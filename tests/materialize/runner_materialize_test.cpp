// SPDX-License-Identifier: Apache-2.0
// End to end through the real runner: `flow-local preview` and `flow-local raw
// materialize-fixture` against the materialize-sqlite example (JSON and packed keys,
// deletions, delta updates, a restart in the middle of a transaction), and flow-local's
// conformance checks against a deliberately wrong materialization.

#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <flow/process/child_process.hpp>
#include <flow/process/temp_dir.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` with the build's bin folder first on PATH, feeding `input` to its stdin.
Run run(const std::vector<std::string>& argv, const std::string& input = "") {
  const std::string bin_dir =
      std::string(FLOW_LOCAL_BIN).substr(0, std::string(FLOW_LOCAL_BIN).rfind('/'));
  const char* path = std::getenv("PATH");
  auto child = flow::process::ChildProcess::spawn(
      {.argv = argv,
       .env = {{"PATH", bin_dir + ":" + (path != nullptr ? path : "/usr/bin:/bin")}}});
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < input.size()) {
      const ssize_t n = write(child.stdin_fd(), input.data() + done, input.size() - done);
      if (n <= 0) {
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    child.close_stdin();
  });
  Run result;
  pollfd fds[2] = {{.fd = child.stdout_fd(), .events = POLLIN, .revents = 0},
                   {.fd = child.stderr_fd(), .events = POLLIN, .revents = 0}};
  int open_fds = 2;
  while (open_fds > 0 && poll(fds, 2, 60000) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        char chunk[65536];
        const ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
        if (n <= 0) {
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? result.out : result.err).append(chunk, static_cast<std::size_t>(n));
        }
      }
    }
  }
  writer.join();
  const auto status = child.wait();
  result.exit_code = status.signal != 0 ? 128 + status.signal : status.code;
  return result;
}

std::vector<std::string> query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row += (i == 0 ? "" : "|") +
             std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

/// The example's flow.yaml, with the database in `dir`.
std::string write_catalog(flow::process::TempDir& dir) {
  std::string yaml;
  {
    FILE* f = std::fopen(FLOW_SOURCE_DIR "/examples/materialize-sqlite/flow.yaml", "r");
    char chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
      yaml.append(chunk, n);
    }
    std::fclose(f);
  }
  const std::string from = "path: /tmp/flow-sqlite-example.db";
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos);
  yaml.replace(at, from.size(), "path: " + dir.path() + "/flow.db");
  return dir.write_file("flow.yaml", yaml);
}

const std::string kFixture = FLOW_SOURCE_DIR "/examples/materialize-sqlite/fixture.json";

const std::vector<std::string> kOrders = {
    R"(1|12.25|ada|["new","vip"]|{"amount":12.25,"customer":"ada","id":1,"tags":["new","vip"]})",
    R"(3|7.0|cy|NULL|{"amount":7,"customer":"cy","id":3})"};
const std::vector<std::string> kClicks = {"c1|/cart", "c1|/home", "c2|/home"};

void expect_example_tables(const std::string& db) {
  EXPECT_EQ(query(db, "SELECT id, amount, customer, tags, flow_document FROM orders ORDER BY id"),
            kOrders);
  EXPECT_EQ(query(db, "SELECT id, page FROM clicks ORDER BY id, page"), kClicks);
}

TEST(RunnerMaterialize, PreviewJsonKeysUpsertsDeletesAndAppends) {
  flow::process::TempDir dir("mat-preview");
  const auto catalog = write_catalog(dir);
  const auto r = run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture", kFixture});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // materializations print only state lines, and this one has none
  expect_example_tables(dir.path() + "/flow.db");
  // A second preview resumes after the transactions the destination already holds.
  const auto again = run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture", kFixture});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("resuming from the checkpoint the destination holds"), std::string::npos)
      << again.err;
  expect_example_tables(dir.path() + "/flow.db");
}

TEST(RunnerMaterialize, PreviewPackedTuplesGivesTheSameTables) {
  flow::process::TempDir dir("mat-packed");
  const auto catalog = write_catalog(dir);
  const auto r = run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture", kFixture,
                      "--packed", "--sessions", "1,1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_example_tables(dir.path() + "/flow.db");
}

TEST(RunnerMaterialize, RestartInTheMiddleOfATransactionLosesAndDoublesNothing) {
  flow::process::TempDir dir("mat-restart");
  const auto catalog = write_catalog(dir);
  // Transaction 2 holds a document that breaks the collection schema after valid ones: the
  // runner fails in the middle of the store phase and the connector is killed uncommitted.
  json fixture;
  {
    FILE* f = std::fopen(kFixture.c_str(), "r");
    std::string text;
    char chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
      text.append(chunk, n);
    }
    std::fclose(f);
    fixture = json::parse(text);
  }
  json broken = fixture;
  broken[1].push_back(json::array({"acmeCo/orders", {{"id", 9}, {"customer", 5}, {"amount", 1}}}));
  const auto broken_path = dir.write_file("broken.json", broken.dump());
  const auto failed =
      run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture", broken_path});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("fixture transaction 2, document 6 does not validate"),
            std::string::npos)
      << failed.err;
  const std::string db = dir.path() + "/flow.db";
  // Exactly transaction 1 is there.
  EXPECT_EQ(query(db, "SELECT id, amount FROM orders ORDER BY id"),
            (std::vector<std::string>{"1|10.5", "2|20.0"}));
  EXPECT_EQ(query(db, "SELECT id, page FROM clicks"), std::vector<std::string>{"c1|/home"});

  // The fixed fixture: the runner resumes after transaction 1 (the destination's checkpoint),
  // replays transaction 2 once.
  const auto fixed = run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture", kFixture});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_NE(fixed.err.find("committedTransactions=1"), std::string::npos) << fixed.err;
  expect_example_tables(db);
}

TEST(RunnerMaterialize, RawFixtureStreamDrivesTheConnectorDirectly) {
  flow::process::TempDir dir("mat-raw");
  const auto catalog = write_catalog(dir);
  for (const bool packed : {false, true}) {
    std::vector<std::string> argv = {
        FLOW_LOCAL_BIN, "raw", "materialize-fixture", "--source", catalog, "--fixture", kFixture};
    if (packed) {
      argv.push_back("--packed");
    }
    const auto stream = run(argv);
    ASSERT_EQ(stream.exit_code, 0) << stream.err;
    EXPECT_NE(
        stream.out.find(packed ? R"({"load":{"keyPacked":"FQE="}})" : R"({"load":{"key":[1]}})"),
        std::string::npos)
        << stream.out;
    std::remove((dir.path() + "/flow.db").c_str());
    std::remove((dir.path() + "/flow.db-wal").c_str());
    std::remove((dir.path() + "/flow.db-shm").c_str());
    const auto applied = run({FLOW_SQLITE_BIN}, stream.out);
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
    // applied, opened, then per transaction acknowledged, loaded*, flushed, startedCommit; and
    // the final acknowledged.
    std::vector<std::string> kinds;
    for (std::size_t at = 0; at < applied.out.size();) {
      const auto end = applied.out.find('\n', at);
      kinds.push_back(json::parse(applied.out.substr(at, end - at)).begin().key());
      at = end + 1;
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"applied", "opened", "acknowledged", "flushed",
                                               "startedCommit", "acknowledged", "loaded", "loaded",
                                               "flushed", "startedCommit", "acknowledged"}));
    expect_example_tables(dir.path() + "/flow.db");
  }
}

/// A catalog running tests/materialize/connectors/bad_materialization.py in `mode`.
std::string bad_catalog(flow::process::TempDir& dir, const std::string& mode) {
  const std::string yaml = R"(collections:
  test/a:
    schema: {type: object, properties: {id: {type: integer}, name: {type: string}}}
    key: [/id]
materializations:
  test/bad:
    endpoint:
      local:
        command: ["python3", ")" FLOW_SOURCE_DIR
                           R"(/tests/materialize/connectors/bad_materialization.py", ")" +
                           mode + R"("]
        config: {}
    bindings:
      - source: test/a
        resource: {table: a}
)";
  dir.write_file("fixture.json", R"([[["test/a",{"id":1,"name":"x"}]]])");
  return dir.write_file("flow.yaml", yaml);
}

TEST(RunnerMaterialize, ConformanceViolationsAreReported) {
  struct Case {
    std::string mode;
    std::string expected;
  };
  for (const auto& c : {Case{"pointers", "resourcePathPointers"},
                        Case{"flushed-first", "`flushed` before `acknowledged`"},
                        Case{"talks-in-stores", "during the store phase"}}) {
    flow::process::TempDir dir("mat-bad");
    const auto catalog = bad_catalog(dir, c.mode);
    const auto r = run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture",
                        dir.path() + "/fixture.json"});
    EXPECT_EQ(r.exit_code, 1) << c.mode << ": " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.mode << ": " << r.err;
  }
}

TEST(RunnerMaterialize, OutputStateAndStateCarriedAcrossSessions) {
  flow::process::TempDir dir("mat-state");
  const auto catalog = bad_catalog(dir, "stateful");
  const auto fixture = dir.write_file(
      "two.json", R"([[["test/a",{"id":1,"name":"x"}],["test/a",{"id":2,"name":"y"}]],)"
                  R"([["test/a",{"id":3,"name":"z"}]]])");
  const auto r =
      run({FLOW_LOCAL_BIN, "preview", "--source", catalog, "--fixture", fixture, "--output-state",
           "--sessions", "1,1", "--initial-state", R"({"seed":true})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "[\"connectorState\",{\"updated\":{\"stored\":2},\"mergePatch\":true}]\n"
            "[\"connectorState\",{\"updated\":{\"stored\":3},\"mergePatch\":true}]\n");
  // The second session opened with the reduced state of the first.
  EXPECT_NE(r.err.find(R"("stored":2)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(R"("seed":true)"), std::string::npos) << r.err;
}

}  // namespace
