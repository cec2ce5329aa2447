// SPDX-License-Identifier: Apache-2.0
//
// source-hello-world: emits numbered greetings at a configurable rate, checkpoints the counter,
// and resumes from the checkpoint after a restart. The smallest useful Flow capture.
//
//   PATH=$PWD/build/dev/bin:$PATH flow-local preview
//       --source examples/source-hello-world/test.flow.yaml --sessions 1 --timeout 2s

#include <flow/capture.hpp>
#include <flow/json_util.hpp>
#include <flow/log.hpp>
#include <string>

namespace fc = flow::capture;

class HelloWorld final : public fc::Connector {
  fc::Spec spec(const fc::SpecRequest& /*request*/) override {
    return {
        .config_schema = nlohmann::json::parse(R"({
          "type": "object",
          "title": "Hello World",
          "properties": {
            "greeting": {"type": "string", "default": "Hello, world!", "title": "Greeting"},
            "rate": {"type": "number", "default": 10, "exclusiveMinimum": 0,
                     "title": "Greetings per second"},
            "checkpoint_every": {"type": "integer", "default": 10, "minimum": 1,
                                 "title": "Greetings per checkpoint"},
            "api_token": {"type": "string", "secret": true, "title": "API token",
                          "description": "Unused; shows how a credential is marked secret."}
          }
        })"),
        .resource_config_schema = nlohmann::json::parse(R"({
          "type": "object",
          "properties": {"name": {"type": "string", "title": "Stream name"}},
          "required": ["name"]
        })"),
        .documentation_url = "https://github.com/estuary/flow",
        .resource_path_pointers = {"/name"},
    };
  }

  std::vector<fc::DiscoveredBinding> discover(const fc::Discover& /*request*/) override {
    return {{
        .recommended_name = "greetings",
        .resource_config = {{"name", "greetings"}},
        .document_schema = nlohmann::json::parse(R"({
          "type": "object",
          "properties": {"count": {"type": "integer"}, "message": {"type": "string"}},
          "required": ["count", "message"]
        })"),
        .key = {"/count"},
    }};
  }

  void pull(const fc::Open& open, fc::Output& out) override {
    const auto& config = open.capture.config;
    const std::string greeting = config.value("greeting", "Hello, world!");
    const double rate = config.value("rate", 10.0);
    const auto checkpoint_every = config.value("checkpoint_every", std::uint64_t{10});
    if (rate <= 0 || checkpoint_every == 0) {
      throw flow::ConfigError("rate must be > 0 and checkpoint_every >= 1");
    }
    if (open.capture.bindings.empty()) {
      return;  // nothing to capture
    }
    // Per-binding state lives under the binding's stateKey, so a re-backfill (new stateKey)
    // restarts the count.
    const std::string& key = open.capture.bindings[0].state_key;
    const nlohmann::json* saved = flow::json::find_pointer(
        open.state, "/bindingStateV1/" + flow::json::escape_pointer_token(key) + "/count");
    std::uint64_t count = saved != nullptr ? saved->get<std::uint64_t>() : 0;
    flow::log::connector_status("Greeting from " + std::to_string(count + 1));

    const auto pause = std::chrono::microseconds(static_cast<std::int64_t>(1e6 / rate));
    while (!out.wait_for_stop(std::chrono::duration_cast<std::chrono::milliseconds>(pause))) {
      ++count;
      out.captured(0, nlohmann::json{{"count", count},
                                     {"message", greeting + " #" + std::to_string(count)}});
      if (count % checkpoint_every == 0) {
        out.checkpoint(nlohmann::json{{"bindingStateV1", {{key, {{"count", count}}}}}});
      }
    }
  }
};

int main(int argc, char** argv) {
  return fc::run<HelloWorld>(argc, argv);
}
