// SPDX-License-Identifier: Apache-2.0
// Bad flow.yaml files: each one clear error line and exit 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_harness.hpp"

namespace flow::local::testing {
namespace {

using ::testing::HasSubstr;

const std::string kHello = "    endpoint:\n      local:\n        command: [source-hello-world]\n";

TEST(CatalogErrors, MissingCaptureNamesTheCaptureAndTheFile) {
  const std::string catalog =
      std::string(FLOW_SOURCE_DIR) + "/examples/source-hello-world/test.flow.yaml";
  auto run = run_flow_local({"raw", "spec", "--source", catalog, "--capture", "acmeCo/nope"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("ERROR capture 'acmeCo/nope' not found in " + catalog));
}

TEST(CatalogErrors, NoCaptureAtAll) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml", "collections: {}\n");
  auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("no capture found in " + yaml));
}

TEST(CatalogErrors, BadYamlGivesFileLineAndColumn) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml", "captures:\n  x: [unclosed\n");
  auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr(yaml + ": invalid YAML at line"));
}

TEST(CatalogErrors, CatalogFileNotFound) {
  auto run = run_flow_local({"raw", "spec", "--source", "/nonexistent/flow.yaml"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("catalog not found: /nonexistent/flow.yaml"));
}

TEST(CatalogErrors, ConfigFileNotFound) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml", "captures:\n  a/b:\n" + kHello +
                                         "        config: missing.config.yaml\n    bindings: []\n");
  auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("config file of capture a/b not found: " + dir.path() +
                                         "/missing.config.yaml"));
}

TEST(CatalogErrors, CommandNotFound) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml",
                        "captures:\n  a/b:\n    endpoint:\n      local:\n"
                        "        command: [no-such-connector-xyz, --flag]\n"
                        "        config: {}\n    bindings: []\n");
  auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text,
              HasSubstr("cannot start the connector command `no-such-connector-xyz`"));
}

TEST(CatalogErrors, ImageEndpointsAreRejectedClearly) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml",
                        "captures:\n  a/b:\n    endpoint:\n      connector:\n"
                        "        image: ghcr.io/estuary/source-hello-world:dev\n"
                        "        config: {}\n    bindings: []\n");
  auto run = run_flow_local({"raw", "spec", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("endpoint.connector (a docker image) cannot run here"));
}

TEST(CatalogErrors, BindingTargetMustBeACollectionOfTheCatalog) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml", "captures:\n  a/b:\n" + kHello +
                                         "        config: {}\n    bindings:\n"
                                         "      - resource: {name: greetings}\n"
                                         "        target: a/missing\n");
  auto run = run_flow_local({"preview", "--source", yaml});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("collection 'a/missing' not found in " + yaml));
}

TEST(CatalogErrors, BadFlagValues) {
  const std::string catalog =
      std::string(FLOW_SOURCE_DIR) + "/examples/source-hello-world/test.flow.yaml";
  auto run = run_flow_local({"preview", "--source", catalog, "--sessions", "1,x"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.stderr_text, HasSubstr("--sessions: '1,x' must be a comma-separated list"));
  auto timeout = run_flow_local({"preview", "--source", catalog, "--timeout", "soon"});
  EXPECT_EQ(timeout.exit_code, 1);
  EXPECT_THAT(timeout.stderr_text, HasSubstr("--timeout: 'soon' is not a duration"));
}

}  // namespace
}  // namespace flow::local::testing
