// SPDX-License-Identifier: Apache-2.0
// End to end: `flow-local preview` runs the derive-running-totals example (a real child
// process speaking the derive protocol) over fixtures, including a second session that
// resumes from the state the first one committed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <flow/json_util.hpp>
#include <flow/process/child_process.hpp>
#include <flow/process/temp_dir.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kExampleDir = std::string(FLOW_SOURCE_DIR) + "/examples/derive-running-totals";
const std::string kCollection = "acmeCo/account-totals";

struct RunResult {
  flow::process::ExitStatus status;
  std::string out;
  std::string err;
};

std::string read_all(int fd) {
  std::string text;
  char buffer[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

/// Runs flow-local with the example binaries on PATH.
RunResult flow_local(std::vector<std::string> args) {
  args.insert(args.begin(), FLOW_LOCAL_BIN);
  const std::string bin_dir = std::string(FLOW_BINARY_DIR) + "/bin";
  const char* path = std::getenv("PATH");
  auto child = flow::process::ChildProcess::spawn(
      {.argv = args,
       .env = {{"PATH", bin_dir + ":" + (path != nullptr ? path : "/usr/bin:/bin")}},
       .pipe_stdin = false});
  RunResult run;
  run.out = read_all(child.stdout_fd());
  run.err = read_all(child.stderr_fd());
  run.status = child.wait();
  return run;
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

nlohmann::json example_fixture() {
  std::ifstream in(kExampleDir + "/fixture.json");
  return nlohmann::json::parse(in);
}

std::vector<std::string> preview_args(const std::string& fixture) {
  return {"preview",   "--source", kExampleDir + "/flow.yaml", "--name", kCollection,
          "--fixture", fixture};
}

/// The latest published document per account.
std::map<std::string, nlohmann::json> final_totals(const std::vector<nlohmann::json>& lines) {
  std::map<std::string, nlohmann::json> totals;
  for (const auto& line : lines) {
    if (line[0] == kCollection) {
      totals[line[1]["account"].get<std::string>()] = line[1];
    }
  }
  return totals;
}

TEST(DeriveRunner, PreviewPrintsTotalsPerTransactionAndStateUpdates) {
  const RunResult run = flow_local([] {
    auto args = preview_args(kExampleDir + "/fixture.json");
    args.emplace_back("--output-state");
    return args;
  }());
  ASSERT_TRUE(run.status.success()) << run.status.describe() << "\n" << run.err;
  // Hand-computed from fixture.json: one document per changed account per transaction, then
  // that transaction's state patch (only the changed accounts).
  const auto expected = lines_of(
      R"(["acmeCo/account-totals",{"account":"alice","count":2,"total":12.25}])"
      "\n"
      R"(["acmeCo/account-totals",{"account":"bob","count":1,"total":5.5}])"
      "\n"
      R"(["connectorState",{"updated":{"totals":{"alice":{"count":2,"total":12.25},"bob":{"count":1,"total":5.5}}},"mergePatch":true}])"
      "\n"
      R"(["acmeCo/account-totals",{"account":"carol","count":1,"total":100}])"
      "\n"
      R"(["connectorState",{"updated":{"totals":{"carol":{"count":1,"total":100}}},"mergePatch":true}])"
      "\n"
      R"(["acmeCo/account-totals",{"account":"alice","count":3,"total":20}])"
      "\n"
      R"(["acmeCo/account-totals",{"account":"bob","count":2,"total":4}])"
      "\n"
      R"(["connectorState",{"updated":{"totals":{"alice":{"count":3,"total":20},"bob":{"count":2,"total":4}}},"mergePatch":true}])"
      "\n"
      R"(["acmeCo/account-totals",{"account":"alice","count":4,"total":20.5}])"
      "\n"
      R"(["acmeCo/account-totals",{"account":"dave","count":1,"total":3}])"
      "\n"
      R"(["connectorState",{"updated":{"totals":{"alice":{"count":4,"total":20.5},"dave":{"count":1,"total":3}}},"mergePatch":true}])"
      "\n");
  EXPECT_EQ(lines_of(run.out), expected);
}

TEST(DeriveRunner, SecondProcessResumesFromCommittedStateWithTheSameTotals) {
  const nlohmann::json fixture = example_fixture();
  ASSERT_EQ(fixture.size(), 4u);
  flow::process::TempDir dir("derive-e2e");
  const std::string part_a =
      dir.write_file("a.json", nlohmann::json::array({fixture[0], fixture[1]}).dump());
  const std::string part_b =
      dir.write_file("b.json", nlohmann::json::array({fixture[2], fixture[3]}).dump());

  const RunResult long_run = flow_local(preview_args(kExampleDir + "/fixture.json"));
  ASSERT_TRUE(long_run.status.success()) << long_run.err;

  auto args_a = preview_args(part_a);
  args_a.emplace_back("--output-state");
  const RunResult first = flow_local(args_a);
  ASSERT_TRUE(first.status.success()) << first.err;
  // Reduce the committed state updates the way the runtime does.
  nlohmann::json state = nlohmann::json::object();
  std::vector<nlohmann::json> first_docs;
  for (const auto& line : lines_of(first.out)) {
    if (line[0] == "connectorState") {
      ASSERT_TRUE(line[1].value("mergePatch", false));
      flow::json::merge_patch(state, line[1]["updated"]);
    } else {
      first_docs.push_back(line);
    }
  }
  EXPECT_EQ(state["totals"].size(), 3u) << state.dump();

  auto args_b = preview_args(part_b);
  args_b.insert(args_b.end(), {"--initial-state", state.dump()});
  const RunResult second = flow_local(args_b);
  ASSERT_TRUE(second.status.success()) << second.err;

  // Session 1 + session 2 publish exactly what the one long session published.
  std::vector<nlohmann::json> resumed = first_docs;
  for (const auto& line : lines_of(second.out)) {
    resumed.push_back(line);
  }
  EXPECT_EQ(resumed, lines_of(long_run.out));
  EXPECT_EQ(final_totals(resumed), final_totals(lines_of(long_run.out)));
  EXPECT_EQ(final_totals(resumed)["alice"]["total"], 20.5);
}

TEST(DeriveRunner, SessionsFlagRestartsTheConnectorWithTheReducedState) {
  const RunResult one = flow_local(preview_args(kExampleDir + "/fixture.json"));
  auto args = preview_args(kExampleDir + "/fixture.json");
  args.insert(args.end(), {"--sessions", "1,2,-1"});
  const RunResult three = flow_local(args);
  ASSERT_TRUE(one.status.success()) << one.err;
  ASSERT_TRUE(three.status.success()) << three.err;
  EXPECT_EQ(lines_of(three.out), lines_of(one.out));
}

TEST(DeriveRunner, PublishedDocumentsAreCheckedAgainstTheDerivedSchema) {
  flow::process::TempDir dir("derive-e2e");
  // The same derivation, with a schema its documents break (total must be a string).
  const std::string yaml =
      "collections:\n"
      "  acmeCo/transactions:\n"
      "    schema: {type: object, properties: {id: {type: integer}}, required: [id]}\n"
      "    key: [/id]\n"
      "  acmeCo/account-totals:\n"
      "    schema: {type: object, properties: {total: {type: string}}}\n"
      "    key: [/account]\n"
      "    derive:\n"
      "      using: {local: {command: [derive-running-totals], config: {}}}\n"
      "      transforms:\n"
      "        - {name: fromTransactions, source: acmeCo/transactions, shuffle: {key: "
      "[/account]}}\n";
  const std::string source = dir.write_file("flow.yaml", yaml);
  const RunResult run =
      flow_local({"preview", "--source", source, "--fixture", kExampleDir + "/fixture.json"});
  EXPECT_FALSE(run.status.success());
  EXPECT_NE(run.err.find("document-schema"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "") << "nothing of a failed transaction is printed";
}

TEST(DeriveRunner, ConnectorFailureEndsThePreviewWithItsLastError) {
  flow::process::TempDir dir("derive-e2e");
  const std::string fixture = dir.write_file(
      "bad.json", R"([[["acmeCo/transactions",{"id":1,"account":"a","amount":1}]],)"
                  R"([["acmeCo/transactions",{"id":2,"account":"a","amount":"x"}]]])");
  // --no-validate lets the bad document through to the connector, which then fails.
  auto args = preview_args(fixture);
  args.insert(args.begin(), "--no-validate");
  const RunResult run = flow_local(args);
  EXPECT_FALSE(run.status.success());
  EXPECT_NE(run.err.find("a transaction document has no numeric 'amount'"), std::string::npos)
      << run.err;
  // The first transaction committed and stays printed; the failed one does not appear.
  EXPECT_EQ(lines_of(run.out).size(), 1u) << run.out;
}

/// A catalog whose derivation runs tests/derive/fakes/fake_derive.py in `mode`.
std::string fake_catalog(flow::process::TempDir& dir, const std::string& mode) {
  return dir.write_file("flow.yaml",
                        "collections:\n"
                        "  a/src: {schema: {type: object}, key: [/id]}\n"
                        "  a/out:\n"
                        "    schema: {type: object}\n"
                        "    key: [/id]\n"
                        "    derive:\n"
                        "      using: {local: {command: [python3, " +
                            std::string(FLOW_SOURCE_DIR) + "/tests/derive/fakes/fake_derive.py, " +
                            mode +
                            "], config: {}}}\n"
                            "      transforms: [{name: t, source: a/src}]\n");
}

TEST(DeriveRunner, ConformanceViolationsOfMisbehavingConnectorsAreReported) {
  const std::map<std::string, std::string> expected_rule = {
      {"spec-pointers", "[unknown-field]"},
      {"validated-count", "[validated-bindings]"},
      {"published-after-flushed", "[response-kind]"},
      {"state-not-object", "[field-type]"},
      {"exit-mid-transaction", "exited in the middle of a transaction"},
  };
  for (const auto& [mode, rule] : expected_rule) {
    flow::process::TempDir dir("derive-e2e");
    const std::string fixture = dir.write_file("fx.json", R"([[["a/src",{"id":1}]]])");
    const RunResult run =
        flow_local({"preview", "--source", fake_catalog(dir, mode), "--fixture", fixture});
    EXPECT_FALSE(run.status.success()) << mode;
    EXPECT_NE(run.err.find(rule), std::string::npos) << mode << ": " << run.err;
  }
  // The same fake behaving well passes, and its state line shows up.
  flow::process::TempDir dir("derive-e2e");
  const std::string fixture = dir.write_file("fx.json", R"([[["a/src",{"id":1}]]])");
  const RunResult ok = flow_local(
      {"preview", "--source", fake_catalog(dir, "ok"), "--fixture", fixture, "--output-state"});
  EXPECT_TRUE(ok.status.success()) << ok.err;
  EXPECT_EQ(
      ok.out,
      "[\"a/out\",{\"id\":1}]\n[\"connectorState\",{\"updated\":{\"n\":1},\"mergePatch\":true}]\n");
}

TEST(DeriveRunner, FixtureDocumentsMustFitTheirSourceCollection) {
  flow::process::TempDir dir("derive-e2e");
  // The source schema requires an integer id.
  const RunResult bad_doc = flow_local(preview_args(dir.write_file(
      "bad-doc.json", R"([[["acmeCo/transactions",{"id":"one","account":"a","amount":1}]]])")));
  EXPECT_FALSE(bad_doc.status.success());
  EXPECT_NE(bad_doc.err.find("transaction 1, document 1 does not validate against the schema "
                             "of acmeCo/transactions"),
            std::string::npos)
      << bad_doc.err;
  const RunResult bad_collection = flow_local(
      preview_args(dir.write_file("bad-collection.json", R"([[["acmeCo/other",{"id":1}]]])")));
  EXPECT_FALSE(bad_collection.status.success());
  EXPECT_NE(bad_collection.err.find("which no transform of acmeCo/account-totals reads"),
            std::string::npos)
      << bad_collection.err;
  EXPECT_EQ(bad_doc.out + bad_collection.out, "");
}

TEST(DeriveRunner, MissingFixtureIsAClearError) {
  const RunResult run = flow_local({"preview", "--source", kExampleDir + "/flow.yaml"});
  EXPECT_FALSE(run.status.success());
  EXPECT_NE(run.err.find("--fixture"), std::string::npos) << run.err;
}

}  // namespace
