// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <flow/capture.hpp>

#include "core/run_main.hpp"

namespace flow::capture {

int run(Connector& connector, int argc, char** argv) {
  return flow::detail::run_main(argc, argv, "capture", [&] {
    return serve(connector, STDIN_FILENO, STDOUT_FILENO, codec_from_environment());
  });
}

}  // namespace flow::capture
