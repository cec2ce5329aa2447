// SPDX-License-Identifier: Apache-2.0
#include "core/run_main.hpp"

#include <cstdio>
#include <exception>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/version.hpp>
#include <string>

#include "core/stop_signal.hpp"

namespace flow::detail {

int run_main(int argc, char** argv, std::string_view kind, const std::function<int()>& serve) {
  if (argc > 1) {
    const std::string_view arg = argv[1];
    if (arg == "--version") {
      std::printf("flow-sdk %d.%d.%d (protocol %u)\n", kSdkVersionMajor, kSdkVersionMinor,
                  kSdkVersionPatch, kProtocolVersion);
      return 0;
    }
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "A Flow %.*s connector. It speaks the Flow connector protocol (JSON codec):\n"
          "requests on stdin, one per line; responses on stdout; logs on stderr.\n"
          "Environment: LOG_LEVEL=error|warn|info|debug|trace (default info).\n"
          "Try it with flow-local: flow-local raw spec --source flow.yaml\n",
          static_cast<int>(kind.size()), kind.data());
      return 0;
    }
  }
  log::init();
  install_signal_handlers();
  try {
    return serve();
  } catch (const ConfigError& e) {
    log::error(e.what(), {{"errorKind", "config"}});
  } catch (const ProtocolError& e) {
    log::error(e.what(), {{"errorKind", "protocol"}});
  } catch (const std::exception& e) {
    log::error(e.what());
  } catch (...) {
    log::error("connector failed with an unknown exception");
  }
  return 1;
}

}  // namespace flow::detail
