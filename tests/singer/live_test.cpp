// SPDX-License-Identifier: Apache-2.0
// The Singer shim end to end: a real tap (taps/tap_fixture.py) as a child of flow-singer-shim,
// run through `flow-local preview` (two sessions, the second resuming from the state), and
// driven directly over pipes for the failure cases.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <flow/line_reader.hpp>
#include <flow/process/child_process.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kTap = FLOW_SOURCE_DIR "/tests/singer/taps/tap_fixture.py";

struct RunResult {
  std::vector<std::string> stdout_lines;
  std::string stderr_text;
  flow::process::ExitStatus status;
};

// Runs argv; writes `input` to its stdin and keeps stdin open until stdout ends (a capture
// session treats stdin EOF as "stop"), or closes it at once for unary requests (`unary`).
RunResult run(const std::vector<std::string>& argv,
              const std::string& input = "",
              bool unary = false,
              const std::map<std::string, std::string>& env = {}) {
  auto child = flow::process::ChildProcess::spawn({.argv = argv, .env = env});
  RunResult result;
  std::thread err([&] {
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::read(child.stderr_fd(), buffer, sizeof buffer)) > 0) {
      result.stderr_text.append(buffer, static_cast<std::size_t>(got));
    }
  });
  if (!input.empty()) {
    EXPECT_EQ(::write(child.stdin_fd(), input.data(), input.size()),
              static_cast<ssize_t>(input.size()));
  }
  if (unary) {
    child.close_stdin();
  }
  flow::LineReader reader(child.stdout_fd());
  while (auto line = reader.next()) {
    result.stdout_lines.emplace_back(line->text);
  }
  child.close_stdin();
  result.status = child.wait();
  err.join();
  return result;
}

class SingerLive : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("singer-live-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "batch");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A flow.yaml binding the tap's three streams.
  std::string write_catalog(const json& config) {
    json endpoint_command = {FLOW_SINGER_SHIM_BIN, "--", "python3", kTap};
    std::ostringstream yaml;
    yaml << "captures:\n  acmeCo/singer:\n    endpoint:\n      local:\n        command: "
         << endpoint_command.dump() << "\n        config: " << config.dump() << "\n"
         << "    bindings:\n"
         << "      - resource: {tap_stream_id: users, stream: users, replication_method: "
            "FULL_TABLE}\n        target: acmeCo/users\n"
         << "      - resource: {tap_stream_id: events, stream: events, replication_method: "
            "INCREMENTAL, replication_key: ts}\n        target: acmeCo/events\n"
         << "      - resource: {tap_stream_id: files, stream: files, replication_method: "
            "FULL_TABLE}\n        target: acmeCo/files\n"
         << "collections:\n"
         << "  acmeCo/users:\n    schema: {type: object, properties: {id: {type: integer}}, "
            "required: [id]}\n    key: [/id]\n"
         << "  acmeCo/events:\n    schema: {type: object, properties: {seq: {type: integer}}, "
            "required: [seq]}\n    key: [/seq]\n"
         << "  acmeCo/files:\n    schema: {type: object, properties: {name: {type: string}}, "
            "required: [name]}\n    key: [/name]\n";
    std::string path = (dir_ / "flow.yaml").string();
    std::ofstream(path) << yaml.str();
    return path;
  }

  json base_config() const {
    return {{"batch_dir", (dir_ / "batch").string()},
            {"users", {1, 2, 3}},
            {"users_after_resume", {1, 3, 4}},
            {"events", 5}};
  }

  // Runs the shim directly: spec, then open with the tap's three bindings.
  RunResult run_shim(const json& config, const std::vector<std::string>& shim_args = {}) {
    json bindings = json::array();
    for (const auto& [stream, key] : std::vector<std::pair<std::string, std::string>>{
             {"users", "/id"}, {"events", "/seq"}, {"files", "/name"}}) {
      bindings.push_back(
          {{"resourceConfig", {{"tap_stream_id", stream}, {"stream", stream}}},
           {"resourcePath", {stream}},
           {"collection",
            {{"name", "acmeCo/" + stream}, {"writeSchema", {{"type", "object"}}}, {"key", {key}}}},
           {"stateKey", stream}});
    }
    json open = {{"open",
                  {{"capture",
                    {{"name", "acmeCo/singer"},
                     {"connectorType", "LOCAL"},
                     {"config", config},
                     {"bindings", bindings}}},
                   {"version", "1"},
                   {"range", {{"keyEnd", 4294967295U}, {"rClockEnd", 4294967295U}}},
                   {"state", json::object()}}}};
    std::vector<std::string> argv = {FLOW_SINGER_SHIM_BIN};
    argv.insert(argv.end(), shim_args.begin(), shim_args.end());
    argv.insert(argv.end(), {"--", "python3", kTap});
    return run(argv, R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                     "\n" +
                         open.dump() + "\n");
  }

  fs::path dir_;
};

std::vector<json> parse_lines(const std::vector<std::string>& lines) {
  std::vector<json> out;
  for (const auto& line : lines) {
    out.push_back(json::parse(line));
  }
  return out;
}

// The last Flow log line on stderr.
json last_log(const std::string& stderr_text) {
  std::istringstream in(stderr_text);
  json last;
  for (std::string line; std::getline(in, line);) {
    json parsed = json::parse(line, nullptr, false);
    if (!parsed.is_discarded()) {
      last = parsed;
    }
  }
  return last;
}

TEST_F(SingerLive, PreviewTwoSessionsResumesFromState) {
  std::string catalog = write_catalog(base_config());
  fs::create_directories(dir_ / "tmp");
  auto result = run({FLOW_LOCAL_BIN, "--log-json", "preview", "--source", catalog, "--sessions",
                     "-1,-1", "--output-state"},
                    "", false, {{"TMPDIR", (dir_ / "tmp").string()}});
  ASSERT_TRUE(result.status.success()) << result.stderr_text;

  // Split the output into the two sessions at the tap's final (empty) checkpoint.
  std::vector<std::vector<json>> sessions(1);
  for (const auto& line : parse_lines(result.stdout_lines)) {
    sessions.back().push_back(line);
    if (line[0] == "connectorState" && line[1]["updated"] == json::object()) {
      sessions.emplace_back();
    }
  }
  ASSERT_EQ(sessions.size(), 3U) << result.stderr_text;  // two sessions, then nothing
  auto docs_of = [](const std::vector<json>& lines, const std::string& collection) {
    std::vector<json> docs;
    for (const auto& line : lines) {
      if (line[0] == collection) {
        docs.push_back(line[1]);
      }
    }
    return docs;
  };

  // Session 1: every message type.
  auto users = docs_of(sessions[0], "acmeCo/users");
  ASSERT_EQ(users.size(), 3U);
  EXPECT_EQ(users[0]["_meta"], json({{"op", "u"},
                                     {"row_id", 0},
                                     {"time_extracted", "2024-05-01T00:00:00.000000Z"},
                                     {"version", 1}}));
  auto events = docs_of(sessions[0], "acmeCo/events");
  ASSERT_EQ(events.size(), 5U);
  EXPECT_EQ(events[4]["seq"], 5);
  auto files = docs_of(sessions[0], "acmeCo/files");  // from the BATCH's jsonl.gz file
  ASSERT_EQ(files.size(), 3U);
  EXPECT_EQ(files[2],
            json({{"name", "f2.txt"}, {"size", 200}, {"_meta", {{"op", "u"}, {"row_id", 2}}}}));

  // Session 2 resumes: events continue after the bookmark, users is re-read as version 2 and
  // ACTIVATE_VERSION deletes user 2, which version 2 no longer has.
  auto events2 = docs_of(sessions[1], "acmeCo/events");
  ASSERT_EQ(events2.size(), 5U);
  EXPECT_EQ(events2[0]["seq"], 6);
  EXPECT_EQ(events2[0]["_meta"]["row_id"], 5);  // INCREMENTAL row ids continue
  auto users2 = docs_of(sessions[1], "acmeCo/users");
  ASSERT_EQ(users2.size(), 4U);
  EXPECT_EQ(users2[2]["id"], 4);
  EXPECT_EQ(users2[2]["_meta"]["version"], 2);
  EXPECT_EQ(users2[3], json({{"id", 2}, {"_meta", {{"op", "d"}, {"row_id", -1}, {"version", 2}}}}));
  EXPECT_NE(result.stderr_text.find("tap metric"), std::string::npos);
  EXPECT_NE(result.stderr_text.find("\"resumed\":true"), std::string::npos);

  // The tap's bookmarks are stored per binding state key, its other keys as shared state, and
  // the shim's counters apart from them.
  json state = json::object();
  for (const auto& session : sessions) {
    for (const auto& line : session) {
      if (line[0] == "connectorState") {
        state.merge_patch(line[1]["updated"]);
      }
    }
  }
  EXPECT_EQ(state["bindingStateV1"]["users"], json({{"version", 2}}));
  EXPECT_EQ(state["bindingStateV1"]["events"], json({{"seq", 10}}));
  EXPECT_EQ(state["sharedState"], json::object());
  EXPECT_EQ(state["shimStateV1"]["events"]["rowId"], 10);
  EXPECT_EQ(state["shimStateV1"]["users"]["versions"],
            json({{"2", {{"[1]", 1}, {"[3]", 1}, {"[4]", 1}}}}));
  // No config, catalog or state file is left behind.
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
}

TEST_F(SingerLive, SpecComesFromAboutAndDiscoverFromTheCatalog) {
  std::string catalog = write_catalog(base_config());
  auto spec = run({FLOW_LOCAL_BIN, "raw", "spec", "--source", catalog});
  ASSERT_TRUE(spec.status.success()) << spec.stderr_text;
  std::string all;
  for (const auto& l : spec.stdout_lines) {
    all += l + "\n";
  }
  json parsed = json::parse(all);
  if (parsed.is_array()) {
    parsed = parsed[0];
  }
  EXPECT_EQ(parsed["configSchema"]["properties"]["api_key"]["secret"], true);
  EXPECT_EQ(parsed["resourcePathPointers"], json({"/tap_stream_id"}));

  auto discovered = run({FLOW_LOCAL_BIN, "raw", "discover", "--source", catalog, "--emit-raw"});
  ASSERT_TRUE(discovered.status.success()) << discovered.stderr_text;
  auto bindings = parse_lines(discovered.stdout_lines);
  ASSERT_EQ(bindings.size(), 3U);
  EXPECT_EQ(bindings[1]["resourceConfig"], json({{"tap_stream_id", "events"},
                                                 {"stream", "events"},
                                                 {"replication_method", "INCREMENTAL"},
                                                 {"replication_key", "ts"}}));
  EXPECT_EQ(bindings[0]["key"], json({"/id"}));
  EXPECT_EQ(bindings[0]["documentSchema"]["properties"]["id"]["type"], "integer");
}

TEST_F(SingerLive, FailuresAreOneClearErrorAndNoCheckpointPastTheLastState) {
  struct Case {
    std::string fault;
    std::string expected;  // in the final error log line
  };
  for (const auto& c :
       std::vector<Case>{{"record_before_schema",
                          "tap stdout line 1: RECORD for stream 'users' before its SCHEMA message"},
                         {"malformed", "tap stdout line 7: malformed JSON"},
                         {"crash", "exit code 3"},
                         {"missing_batch", "cannot open BATCH file"}}) {
    json config = base_config();
    config["fault"] = c.fault;
    // Each case gets its own (empty) batch folder: an earlier tap may still have written one.
    fs::create_directories(dir_ / c.fault);
    config["batch_dir"] = (dir_ / c.fault).string();
    auto result = run_shim(config);
    EXPECT_EQ(result.status.code, 1) << c.fault << "\n" << result.stderr_text;
    json last = last_log(result.stderr_text);
    EXPECT_EQ(last["level"], "error") << c.fault;
    EXPECT_NE(last["message"].get<std::string>().find(c.expected), std::string::npos)
        << c.fault << ": " << last.dump();
    // Whatever was captured after the last checkpoint is not followed by one.
    auto lines = parse_lines(result.stdout_lines);
    ASSERT_FALSE(lines.empty());
    EXPECT_TRUE(lines[0].contains("spec"));
    if (c.fault == "crash") {
      EXPECT_NE(last["message"].get<std::string>().find("something broke"), std::string::npos);
    }
  }
  // An unknown stream is skipped with a warning by default, an error on request.
  json config = base_config();
  config["fault"] = "unknown_stream";
  auto skipped = run_shim(config);
  EXPECT_TRUE(skipped.status.success()) << skipped.stderr_text;
  EXPECT_NE(skipped.stderr_text.find("no binding captures"), std::string::npos);
  auto failed = run_shim(config, {"--unknown-streams", "fail"});
  EXPECT_EQ(failed.status.code, 1);
  EXPECT_NE(last_log(failed.stderr_text)["message"].get<std::string>().find(
                "SCHEMA for stream 'ghosts', which no binding captures"),
            std::string::npos)
      << failed.stderr_text;
}

TEST_F(SingerLive, HungTapIsKilledByTheWatchdog) {
  json config = base_config();
  config["fault"] = "hang";
  auto result = run_shim(config, {"--idle-timeout", "1s", "--stop-grace", "1s"});
  EXPECT_EQ(result.status.code, 1);
  EXPECT_NE(last_log(result.stderr_text)["message"].get<std::string>().find("no output"),
            std::string::npos)
      << result.stderr_text;
}

TEST_F(SingerLive, SpecFallsBackToASchemaFileOrAPermissiveObject) {
  const std::string replay = FLOW_SOURCE_DIR "/tests/singer/taps/replay_tap.py";
  const std::map<std::string, std::string> env = {
      {"REPLAY_DIR", FLOW_SHARED_DIR "/fixtures/singer/tap-csv"}};
  const std::string request = R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                              "\n";
  // A tap without --about (tap-csv): a permissive config schema and a warning.
  auto permissive = run({FLOW_SINGER_SHIM_BIN, "--", replay}, request, true, env);
  ASSERT_TRUE(permissive.status.success()) << permissive.stderr_text;
  json spec = json::parse(permissive.stdout_lines.at(0))["spec"];
  EXPECT_EQ(spec["configSchema"]["type"], "object");
  EXPECT_FALSE(spec["configSchema"].contains("properties"));
  EXPECT_EQ(spec["protocol"], 3032023);
  EXPECT_NE(permissive.stderr_text.find("no --about settings schema"), std::string::npos);
  // A schema file wins over --about.
  std::string schema_path = (dir_ / "schema.json").string();
  std::ofstream(schema_path) << R"({"type":"object","properties":{"files":{"type":"array"}}})";
  auto from_file =
      run({FLOW_SINGER_SHIM_BIN, "--config-schema", schema_path, "--", replay}, request, true, env);
  ASSERT_TRUE(from_file.status.success()) << from_file.stderr_text;
  EXPECT_EQ(
      json::parse(from_file.stdout_lines.at(0))["spec"]["configSchema"]["properties"]["files"],
      json({{"type", "array"}}));
}

TEST_F(SingerLive, ValidateChecksBindingsAgainstTheCatalogAndRunsTest) {
  auto validate = [&](const json& config, const json& resource,
                      const std::vector<std::string>& shim_args) {
    json request = {{"validate",
                     {{"name", "acmeCo/singer"},
                      {"connectorType", "LOCAL"},
                      {"config", config},
                      {"bindings",
                       {{{"resourceConfig", resource},
                         {"collection",
                          {{"name", "acmeCo/x"},
                           {"writeSchema", {{"type", "object"}}},
                           {"key", {"/id"}}}}}}}}}};
    std::vector<std::string> argv = {FLOW_SINGER_SHIM_BIN};
    argv.insert(argv.end(), shim_args.begin(), shim_args.end());
    argv.insert(argv.end(), {"--", "python3", kTap});
    return run(argv, request.dump() + "\n", /*unary=*/true);
  };
  json good = {{"tap_stream_id", "events"},
               {"replication_method", "INCREMENTAL"},
               {"replication_key", "ts"}};
  auto ok = validate(base_config(), good, {"--validate-with-test"});
  ASSERT_TRUE(ok.status.success()) << ok.stderr_text;
  ASSERT_EQ(ok.stdout_lines.size(), 1U);
  EXPECT_EQ(json::parse(ok.stdout_lines[0])["validated"]["bindings"][0]["resourcePath"],
            json({"events"}));

  json bad_key = {{"tap_stream_id", "events"},
                  {"replication_method", "INCREMENTAL"},
                  {"replication_key", "seq"}};
  auto wrong = validate(base_config(), bad_key, {});
  EXPECT_EQ(wrong.status.code, 1);
  EXPECT_NE(last_log(wrong.stderr_text)["message"].get<std::string>().find(
                "replication_key 'seq' is not one of the tap's valid replication keys (ts)"),
            std::string::npos)
      << wrong.stderr_text;

  auto forced = validate(base_config(),
                         {{"tap_stream_id", "users"},
                          {"replication_method", "INCREMENTAL"},
                          {"replication_key", "id"}},
                         {});
  EXPECT_NE(last_log(forced.stderr_text)["message"].get<std::string>().find(
                "the tap forces replication_method FULL_TABLE"),
            std::string::npos)
      << forced.stderr_text;

  auto missing = validate(base_config(), {{"tap_stream_id", "nope"}}, {});
  EXPECT_NE(last_log(missing.stderr_text)["message"].get<std::string>().find(
                "stream 'nope' is not in the tap's catalog"),
            std::string::npos);

  json failing = base_config();
  failing["fault"] = "test_fails";
  auto test = validate(failing, good, {"--validate-with-test"});
  EXPECT_EQ(test.status.code, 1);
  EXPECT_NE(last_log(test.stderr_text)["message"].get<std::string>().find("401 Unauthorized"),
            std::string::npos)
      << test.stderr_text;
}

TEST_F(SingerLive, SigtermStopsTheTapAndLeavesNothingBehind) {
  json config = base_config();
  config["fault"] = "hang";
  json bindings = {
      {{"resourceConfig", {{"tap_stream_id", "users"}}},
       {"collection",
        {{"name", "acmeCo/users"}, {"writeSchema", {{"type", "object"}}}, {"key", {"/id"}}}},
       {"stateKey", "users"}}};
  json open = {
      {"open",
       {{"capture", {{"name", "acmeCo/singer"}, {"config", config}, {"bindings", bindings}}},
        {"range", {{"keyEnd", 4294967295U}, {"rClockEnd", 4294967295U}}}}}};
  fs::create_directories(dir_ / "tmp");
  auto child = flow::process::ChildProcess::spawn(
      {.argv = {FLOW_SINGER_SHIM_BIN, "--stop-grace", "2s", "--", "python3", kTap},
       .env = {{"TMPDIR", (dir_ / "tmp").string()}},
       .pipe_stderr = false});
  std::string input = R"({"spec":{"connectorType":"LOCAL","config":{}}})"
                      "\n" +
                      open.dump() + "\n";
  ASSERT_EQ(::write(child.stdin_fd(), input.data(), input.size()),
            static_cast<ssize_t>(input.size()));
  flow::LineReader reader(child.stdout_fd());
  ASSERT_TRUE(reader.next().has_value());  // spec
  auto opened = reader.next();
  ASSERT_TRUE(opened.has_value());
  EXPECT_NE(opened->text.find("opened"), std::string_view::npos);
  // Wait until the tap is running (its temp dir exists), then SIGTERM the shim.
  auto temp_dirs = [&] {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir_ / "tmp")) {
      n += entry.path().filename().string().rfind("flow-singer-", 0) == 0 ? 1U : 0U;
    }
    return n;
  };
  for (int i = 0; i < 100 && temp_dirs() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  child.signal(SIGTERM);
  while (reader.next()) {
  }
  auto status = child.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(status.success()) << status.describe();
  EXPECT_EQ(temp_dirs(), 0U);
}

#ifdef SOURCE_SINGER_WRAPPER_BIN
// The example connector, its tap replaced by a replay of recorded tap-csv output.
TEST_F(SingerLive, ExampleWrapperReplaysRecordedTapCsv) {
  std::string yaml =
      std::string("captures:\n  acmeCo/csv:\n    endpoint:\n      local:\n") +
      "        command: [\"" SOURCE_SINGER_WRAPPER_BIN "\"]\n" +
      "        config: {files: [{entity: items, file: items.csv, keys: [id]}]}\n" +
      "    bindings:\n" + "      - resource: {tap_stream_id: items, stream: items}\n" +
      "        target: acmeCo/items\n" +
      "      - resource: {tap_stream_id: items_typed, stream: items_typed, "
      "replication_method: INCREMENTAL, replication_key: id}\n" +
      "        target: acmeCo/typed\n" + "collections:\n" +
      "  acmeCo/items:\n    schema: {type: object, properties: {id: {type: string}}, "
      "required: [id]}\n    key: [/id]\n" +
      "  acmeCo/typed:\n    schema: {type: object, properties: {id: {type: integer}}, "
      "required: [id]}\n    key: [/id]\n";
  std::string path = (dir_ / "flow.yaml").string();
  std::ofstream(path) << yaml;
  ::setenv("SINGER_TAP", FLOW_SOURCE_DIR "/tests/singer/taps/replay_tap.py", 1);
  ::setenv("REPLAY_DIR", FLOW_SHARED_DIR "/fixtures/singer/tap-csv", 1);
  auto result = run({FLOW_LOCAL_BIN, "preview", "--source", path, "--sessions", "-1,-1"});
  ::unsetenv("SINGER_TAP");
  ASSERT_TRUE(result.status.success()) << result.stderr_text;
  auto lines = parse_lines(result.stdout_lines);
  ASSERT_EQ(lines.size(), 12U) << result.stderr_text;  // 6 documents per session
  EXPECT_EQ(lines[1], json::parse(R"(["acmeCo/items",{"id":"2","name":"beta, with comma",
      "amount":"20","_meta":{"op":"u","row_id":1}}])"));
  EXPECT_EQ(lines[5][1]["amount"], nullptr);
  EXPECT_EQ(lines[6][1]["_meta"]["row_id"], 0);  // FULL_TABLE: row ids start over
  EXPECT_EQ(lines[9][1]["_meta"]["row_id"], 3);  // INCREMENTAL: they continue
}
#endif

}  // namespace
