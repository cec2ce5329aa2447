// SPDX-License-Identifier: Apache-2.0
// The derive-running-totals example as a real child process: derive::run()'s process wrapper
// (exit codes, the final error log line, FLOW_DERIVE_STATE_DELIVERY) and the example's
// restore-from-state logic over the raw protocol.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <flow/process/child_process.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace {

struct Result {
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

Result run_example(const std::string& input, const std::map<std::string, std::string>& env = {}) {
  std::signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test
  auto child = flow::process::ChildProcess::spawn({.argv = {RUNNING_TOTALS_BIN}, .env = env});
  std::thread writer([&] {
    std::size_t written = 0;
    while (written < input.size()) {
      const ssize_t n = ::write(child.stdin_fd(), input.data() + written, input.size() - written);
      if (n <= 0) {
        break;
      }
      written += static_cast<std::size_t>(n);
    }
    child.close_stdin();
  });
  Result result;
  result.out = read_all(child.stdout_fd());
  result.err = read_all(child.stderr_fd());
  writer.join();
  result.status = child.wait();
  return result;
}

const std::string kOpen =
    R"({"open":{"collection":{"name":"acmeCo/account-totals","key":["/account"],"derivation":{)"
    R"("transforms":[{"name":"fromTransactions","collection":{"name":"acmeCo/transactions"}}]}},)"
    R"("state":{"totals":{"alice":{"total":10,"count":1},"gone":null}}}})"
    "\n";

std::string read_line(int id, const std::string& account, double amount) {
  return R"({"read":{"transform":0,"doc":{"id":)" + std::to_string(id) + R"(,"account":")" +
         account + R"(","amount":)" + nlohmann::json(amount).dump() + "}}}\n";
}

TEST(DeriveExampleProcess, RestoresTotalsFromOpenStateAndPatchesOnlyChangedKeys) {
  const Result r = run_example(kOpen + read_line(1, "alice", 2.5) + read_line(2, "bob", 1) +
                               R"({"flush":{}})"
                               "\n"
                               R"({"startCommit":{}})"
                               "\n");
  ASSERT_TRUE(r.status.success()) << r.err;
  EXPECT_EQ(r.out,
            "{\"opened\":{}}\n"
            "{\"published\":{\"doc\":{\"account\":\"alice\",\"count\":2,\"total\":12.5}}}\n"
            "{\"published\":{\"doc\":{\"account\":\"bob\",\"count\":1,\"total\":1.0}}}\n"
            "{\"flushed\":{}}\n"
            "{\"startedCommit\":{\"state\":{\"updated\":{\"totals\":{\"alice\":{\"count\":2,"
            "\"total\":12.5},\"bob\":{\"count\":1,\"total\":1.0}}},\"mergePatch\":true}}}\n");
}

TEST(DeriveExampleProcess, FlushedDeliveryPutsStateOnFlushed) {
  const Result r = run_example(kOpen + read_line(1, "carol", 4) +
                                   R"({"flush":{}})"
                                   "\n",
                               {{"FLOW_DERIVE_STATE_DELIVERY", "flushed"}});
  ASSERT_TRUE(r.status.success()) << r.err;
  EXPECT_NE(r.out.find("{\"flushed\":{\"state\":{\"updated\":{\"totals\":{\"carol\":{\"count\":1,"
                       "\"total\":4.0}}},\"mergePatch\":true}}}\n"),
            std::string::npos)
      << r.out;
}

TEST(DeriveExampleProcess, ProtocolErrorEndsWithOneErrorLogLineAndExitCode1) {
  const Result r = run_example(kOpen + R"({"startCommit":{}})"
                                       "\n");
  EXPECT_EQ(r.status.code, 1);
  EXPECT_EQ(r.out, "{\"opened\":{}}\n");
  const auto last_newline = r.err.find_last_of('\n', r.err.size() - 2);
  const std::string last = r.err.substr(last_newline == std::string::npos ? 0 : last_newline + 1);
  const auto log = nlohmann::json::parse(last);
  EXPECT_EQ(log["level"], "error");
  EXPECT_NE(log["message"].get<std::string>().find("stdin line 2: 'startCommit' before 'flush'"),
            std::string::npos)
      << last;
}

TEST(DeriveExampleProcess, UnknownStateDeliveryIsAConfigError) {
  const Result r = run_example(kOpen, {{"FLOW_DERIVE_STATE_DELIVERY", "sometimes"}});
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("FLOW_DERIVE_STATE_DELIVERY='sometimes'"), std::string::npos) << r.err;
}

TEST(DeriveExampleProcess, SigtermWhileWaitingForInputExitsZeroPromptly) {
  std::signal(SIGPIPE, SIG_IGN);
  auto child = flow::process::ChildProcess::spawn({.argv = {RUNNING_TOTALS_BIN}});
  ASSERT_EQ(::write(child.stdin_fd(), kOpen.data(), kOpen.size()),
            static_cast<ssize_t>(kOpen.size()));
  // Wait for `opened`, so the connector is blocked reading the next request.
  std::string out;
  char buffer[256];
  while (out.find('\n') == std::string::npos) {
    const ssize_t n = ::read(child.stdout_fd(), buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    out.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(out, "{\"opened\":{}}\n");
  const auto start = std::chrono::steady_clock::now();
  child.signal(SIGTERM);
  const auto status = child.wait();
  EXPECT_TRUE(status.success()) << status.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(read_all(child.stderr_fd()).find("stop requested"), std::string::npos);
}

TEST(DeriveExampleProcess, CleanEofBetweenTransactionsExitsZero) {
  const Result r = run_example(R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                               "\n");
  EXPECT_TRUE(r.status.success()) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["spec"]["protocol"], 3032023);
}

}  // namespace
