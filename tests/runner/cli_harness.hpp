// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <vector>

/// Runs the real flow-local binary for the CLI tests and collects what it printed.
///
/// Example:
///   auto run = flow::local::testing::run_flow_local({"raw", "spec", "--source", yaml});
///   EXPECT_EQ(run.exit_code, 0);
///   EXPECT_THAT(run.stdout_text, HasSubstr("3032023"));
namespace flow::local::testing {

struct CliRun {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
  double seconds = 0;
  [[nodiscard]] std::vector<std::string> stdout_lines() const;
};

/// Runs FLOW_LOCAL_BIN with `args`; PATH gets the build's bin folder first (where
/// source-hello-world is) so catalogs can name connectors by program name.
CliRun run_flow_local(const std::vector<std::string>& args);
/// Runs any program (argv[0] looked up on PATH), with the same PATH.
CliRun run_program(const std::vector<std::string>& argv);
/// The path of the flow-local binary under test.
std::string flow_local_bin();

/// A fresh private directory for one test's catalog files, removed at destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Writes `name` (relative) with `text`; returns its full path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

/// A catalog running tests/runner/connectors/<script>.py against one or two bindings
/// (collections test/a and test/b with key /id and a `name: string` property).
std::string broken_connector_catalog(const ScratchDir& dir,
                                     const std::string& script,
                                     int bindings = 1);

std::string read_file(const std::string& path);

}  // namespace flow::local::testing
