// SPDX-License-Identifier: Apache-2.0
#include "flow-local/catalog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_harness.hpp"
#include "flow-local/yaml_json.hpp"

namespace flow::local {
namespace {

using ::testing::HasSubstr;
using testing::ScratchDir;

TEST(YamlToJson, TypesPlainScalarsAndKeepsQuotedOnesStrings) {
  auto value = parse_yaml_text(
      "a: 3\nb: -4\nc: 1.5\nd: true\ne: null\nf: '12'\ng: hello\nh: ~\ni: [1, x]\n", "test");
  EXPECT_EQ(
      value,
      nlohmann::json::parse(
          R"({"a":3,"b":-4,"c":1.5,"d":true,"e":null,"f":"12","g":"hello","h":null,"i":[1,"x"]})"));
}

TEST(YamlToJson, RoundTripsAmbiguousStrings) {
  nlohmann::ordered_json value = {{"s", "true"}, {"n", "12"}, {"x", 12}, {"t", "text"}};
  auto text = emit_yaml(value);
  EXPECT_EQ(text, "s: \"true\"\nn: \"12\"\nx: 12\nt: text");
  auto back = parse_yaml_text(text, "test");
  EXPECT_EQ(back, nlohmann::json::parse(R"({"s":"true","n":"12","x":12,"t":"text"})"));
}

TEST(Catalog, LoadsImportsConfigFilesSchemaFilesAndRelativeCommands) {
  ScratchDir dir;
  auto root = dir.write("flow.yaml",
                        "import: [sub/more.flow.yaml]\n"
                        "captures:\n"
                        "  acme/cap:\n"
                        "    interval: 2m\n"
                        "    endpoint:\n"
                        "      local:\n"
                        "        command: [./bin/connector, --x]\n"
                        "        config: secrets/config.json\n"
                        "        env: {A: b, N: 3}\n"
                        "    bindings:\n"
                        "      - resource: {name: t}\n"
                        "        target: acme/things\n"
                        "      - resource: {name: u}\n"
                        "        target: acme/things\n"
                        "        disable: true\n");
  dir.write("secrets/config.json", R"({"password":"p"})");
  dir.write("sub/more.flow.yaml",
            "collections:\n"
            "  acme/things:\n"
            "    schema: things.schema.yaml\n"
            "    key: [/id]\n");
  dir.write("sub/things.schema.yaml", "type: object\nrequired: [id]\n");

  auto catalog = Catalog::load(root);
  const auto& capture = catalog.capture(std::nullopt);
  EXPECT_EQ(capture.name, "acme/cap");
  EXPECT_EQ(capture.interval_seconds, 120U);
  EXPECT_EQ(capture.endpoint.command,
            (std::vector<std::string>{dir.path() + "/bin/connector", "--x"}));
  EXPECT_EQ(capture.endpoint.working_directory, dir.path());
  EXPECT_EQ(capture.endpoint.config, nlohmann::json({{"password", "p"}}));
  EXPECT_EQ(capture.endpoint.env.at("N"), "3");
  ASSERT_EQ(capture.bindings.size(), 2U);
  EXPECT_TRUE(capture.bindings[1].disable);
  const auto& things = catalog.collection("acme/things");
  EXPECT_EQ(things.write_schema, nlohmann::json::parse(R"({"type":"object","required":["id"]})"));
  EXPECT_EQ(things.key, std::vector<std::string>{"/id"});
  EXPECT_EQ(catalog.find_task(std::nullopt).second, "acme/cap");
}

TEST(Catalog, ErrorsNameTheProblem) {
  ScratchDir dir;
  auto no_command = dir.write("a.yaml", "captures:\n  x/y:\n    endpoint: {local: {config: {}}}\n");
  try {
    Catalog::load(no_command);
    FAIL();
  } catch (const CatalogError& e) {
    EXPECT_THAT(e.what(), HasSubstr("capture x/y: endpoint.local.command is required"));
  }
  auto sops = dir.write("b.yaml",
                        "captures:\n  x/y:\n    endpoint: {local: {command: [c], config: "
                        "{sops: {}, a_sops: x}}}\n");
  EXPECT_THROW(Catalog::load(sops), CatalogError);
  auto bad_key = dir.write("c.yaml", "collections:\n  c/d: {schema: {}, key: [id]}\n");
  try {
    Catalog::load(bad_key);
    FAIL();
  } catch (const CatalogError& e) {
    EXPECT_THAT(e.what(), HasSubstr("collection c/d: key 'id' is not a JSON pointer"));
  }
}

TEST(Catalog, SeveralCapturesNeedAName) {
  ScratchDir dir;
  auto yaml = dir.write("flow.yaml",
                        "captures:\n"
                        "  a/one: {endpoint: {local: {command: [c], config: {}}}}\n"
                        "  a/two: {endpoint: {local: {command: [c], config: {}}}}\n");
  auto catalog = Catalog::load(yaml);
  EXPECT_EQ(catalog.capture("a/two").name, "a/two");
  try {
    (void)catalog.capture(std::nullopt);
    FAIL();
  } catch (const CatalogError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has several captures (a/one, a/two)"));
  }
}

TEST(Durations, ParseFlowStyle) {
  EXPECT_EQ(parse_duration_ms("30s"), 30000U);
  EXPECT_EQ(parse_duration_ms("250ms"), 250U);
  EXPECT_EQ(parse_duration_ms("1h30m"), 5400000U);
  EXPECT_EQ(parse_duration_ms("5"), 5000U);
  EXPECT_FALSE(parse_duration_ms("soon"));
  EXPECT_FALSE(parse_duration_ms(""));
  EXPECT_FALSE(parse_duration_ms("3d"));
}

}  // namespace
}  // namespace flow::local
