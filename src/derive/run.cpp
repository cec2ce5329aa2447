// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <cstdlib>
#include <flow/derive.hpp>
#include <flow/error.hpp>
#include <string>

#include "core/run_main.hpp"

namespace flow::derive {

namespace {

ServeOptions options_from_environment() {
  ServeOptions options;
  options.codec = codec_from_environment();
  if (const char* value = std::getenv("FLOW_DERIVE_STATE_DELIVERY");
      value != nullptr && *value != '\0') {
    const auto delivery = parse_state_delivery(value);
    if (!delivery) {
      throw ConfigError("FLOW_DERIVE_STATE_DELIVERY='" + std::string(value) +
                        "' is not one of: started-commit, flushed");
    }
    options.state_delivery = *delivery;
  }
  return options;
}

}  // namespace

int run(Connector& connector, int argc, char** argv) {
  return flow::detail::run_main(argc, argv, "derive", [&connector] {
    return serve(connector, STDIN_FILENO, STDOUT_FILENO, options_from_environment());
  });
}

}  // namespace flow::derive
