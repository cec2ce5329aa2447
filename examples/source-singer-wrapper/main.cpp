// SPDX-License-Identifier: Apache-2.0
// source-singer-wrapper: a Flow capture connector made from one Singer tap, hotglue's tap-csv,
// with flow::singer::CaptureShim. tap-csv has no `--about`, so the config schema is given here;
// it takes its catalog with `--properties`. Everything else (discover, state, SCHEMA,
// ACTIVATE_VERSION, BATCH, logs) is the shim's.
//
//   pip install tap-csv   # or any tap: set SINGER_TAP to its command
//   flow-local preview --source examples/source-singer-wrapper/test.flow.yaml
#include <cstdlib>
#include <flow/capture.hpp>
#include <flow/singer/capture_shim.hpp>

int main(int argc, char** argv) {
  const char* tap = std::getenv("SINGER_TAP");
  flow::singer::CaptureShimOptions options{
      .argv = {tap != nullptr && *tap != '\0' ? tap : "tap-csv"},
      .config_schema = nlohmann::json::parse(R"({
        "type": "object",
        "title": "CSV files",
        "properties": {
          "files": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "entity": {"type": "string", "title": "Stream name"},
                "file": {"type": "string", "title": "Path of the CSV file"},
                "keys": {"type": "array", "items": {"type": "string"}}
              },
              "required": ["entity", "file", "keys"]
            }
          }
        },
        "required": ["files"]
      })"),
      .documentation_url = "https://github.com/hotgluexyz/tap-csv",
      .catalog_flag = flow::singer::CatalogFlag::properties,
  };
  flow::singer::CaptureShim shim(std::move(options));
  return flow::capture::run(shim, argc, argv);
}
